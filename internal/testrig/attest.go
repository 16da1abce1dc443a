package testrig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The names buildkit uses for an image's SBOM attestation: the index
// entry's annotations, the layer's predicate annotation and media type, and
// the SPDX predicate type.
const (
	attRefType       = "vnd.docker.reference.type"
	attRefDigest     = "vnd.docker.reference.digest"
	attManifest      = "attestation-manifest"
	attPredicate     = "in-toto.io/predicate-type"
	attSPDXPredicate = "https://spdx.dev/Document"
	attLayerType     = types.MediaType("application/vnd.in-toto+json")
)

// AttestedPackage is a package an SBOM attestation lists.
type AttestedPackage struct {
	Name, Version string
}

// AttestedMusl is the package the SBOM attestation tests attach to an image.
var AttestedMusl = AttestedPackage{Name: "musl", Version: "1.2.4"}

// AttestedIndex is an index as buildkit pushes it with --sbom: img for
// linux/arch and an unknown/unknown manifest annotated
// vnd.docker.reference.type=attestation-manifest and
// vnd.docker.reference.digest=<img's digest>, whose one layer is an in-toto
// statement with an SPDX 2.3 predicate listing pkgs.
func AttestedIndex(t testing.TB, arch string, img v1.Image, pkgs ...AttestedPackage) v1.ImageIndex {
	t.Helper()
	digest, err := img.Digest()
	if err != nil {
		t.Fatalf("testrig: attested image digest: %v", err)
	}
	stmt, err := json.Marshal(map[string]any{
		"_type":         "https://in-toto.io/Statement/v0.1",
		"predicateType": attSPDXPredicate,
		"subject":       []map[string]any{{"name": "image", "digest": map[string]string{"sha256": digest.Hex}}},
		"predicate":     spdxPredicate(pkgs),
	})
	if err != nil {
		t.Fatalf("testrig: attestation statement: %v", err)
	}
	att, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{
		Layer:       static.NewLayer(stmt, attLayerType),
		Annotations: map[string]string{attPredicate: attSPDXPredicate},
	})
	if err != nil {
		t.Fatalf("testrig: attestation manifest: %v", err)
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}},
		mutate.IndexAddendum{Add: att, Descriptor: v1.Descriptor{
			Platform:    &v1.Platform{OS: "unknown", Architecture: "unknown"},
			Annotations: map[string]string{attRefType: attManifest, attRefDigest: digest.String()},
		}},
	)
	if _, err := idx.Digest(); err != nil {
		t.Fatalf("testrig: attested index: %v", err)
	}
	return idx
}

// spdxPredicate is the SPDX 2.3 document of an attestation listing pkgs,
// each DESCRIBED by the document, as buildkit's scanner writes it.
func spdxPredicate(pkgs []AttestedPackage) map[string]any {
	sorted := append([]AttestedPackage(nil), pkgs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var packages, rels []map[string]any
	for _, p := range sorted {
		id := "SPDXRef-Package-" + p.Name
		packages = append(packages, map[string]any{"name": p.Name, "SPDXID": id, "versionInfo": p.Version, "downloadLocation": "NOASSERTION"})
		rels = append(rels, map[string]any{"spdxElementId": "SPDXRef-DOCUMENT", "relatedSpdxElement": id, "relationshipType": "DESCRIBES"})
	}
	return map[string]any{
		"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
		"name": "sbom", "documentNamespace": "https://example.com/attested",
		"creationInfo":  map[string]any{"creators": []string{"Tool: buildkit"}, "created": "2024-01-01T00:00:00Z"},
		"packages":      packages,
		"relationships": rels,
	}
}

// rawManifest is a manifest pushed as it is, whose blobs need not exist.
type rawManifest struct {
	raw []byte
	mt  types.MediaType
}

// RawManifest implements remote.Taggable.
func (m rawManifest) RawManifest() ([]byte, error) { return m.raw, nil }

// MediaType tells remote.Put the manifest's media type.
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mt, nil }

// PushOversizedAttestation pushes as repoTag an index of img (linux/arch)
// whose attestation manifest declares a statement layer of layerSize bytes
// that the registry never holds: a puller must refuse it from the size
// alone. It returns the index digest.
func (r *Registry) PushOversizedAttestation(t testing.TB, repoTag, arch string, img v1.Image, layerSize int64) string {
	t.Helper()
	ref, err := name.ParseReference(r.Ref(repoTag), name.Insecure)
	if err != nil {
		t.Fatalf("testrig: push %s: %v", repoTag, err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatalf("testrig: push %s: %v", ref, err)
	}
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	cfg := []byte("{}")
	cfgDigest, cfgSize, _ := v1.SHA256(bytes.NewReader(cfg))
	att := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
		Config: v1.Descriptor{MediaType: types.OCIConfigJSON, Digest: cfgDigest, Size: cfgSize},
		Layers: []v1.Descriptor{{MediaType: attLayerType, Size: layerSize,
			Digest:      v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%064x", layerSize)},
			Annotations: map[string]string{attPredicate: attSPDXPredicate}}},
	}
	attRaw, err := json.Marshal(att)
	if err != nil {
		t.Fatal(err)
	}
	attDigest, attSize, _ := v1.SHA256(bytes.NewReader(attRaw))
	if err := remote.Put(ref.Context().Digest(attDigest.String()), rawManifest{attRaw, types.OCIManifestSchema1}); err != nil {
		t.Fatalf("testrig: push attestation of %s: %v", ref, err)
	}
	imgRaw, err := img.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	imgMT, err := img.MediaType()
	if err != nil {
		t.Fatal(err)
	}
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{
		{MediaType: imgMT, Digest: digest, Size: int64(len(imgRaw)), Platform: &v1.Platform{OS: "linux", Architecture: arch}},
		{MediaType: types.OCIManifestSchema1, Digest: attDigest, Size: attSize, Platform: &v1.Platform{OS: "unknown", Architecture: "unknown"},
			Annotations: map[string]string{attRefType: attManifest, attRefDigest: digest.String()}},
	}}
	idxRaw, err := json.Marshal(idx)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Put(ref, rawManifest{idxRaw, types.OCIImageIndex}); err != nil {
		t.Fatalf("testrig: push %s: %v", ref, err)
	}
	idxDigest, _, _ := v1.SHA256(bytes.NewReader(idxRaw))
	return idxDigest.String()
}
