package sbom

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
)

// attestedIndex is an index as buildkit pushes it: an image and an
// attestation manifest referring to it, whose layer is an in-toto
// statement with an SPDX predicate listing one package.
func attestedIndex(t *testing.T) (v1.ImageIndex, v1.Hash) {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	predicate := map[string]any{
		"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
		"name": "sbom", "documentNamespace": "https://example.com/x",
		"creationInfo": map[string]any{"creators": []string{"Tool: buildkit"}, "created": "2024-01-01T00:00:00Z"},
		"packages": []map[string]any{
			{"name": "zlib", "SPDXID": "SPDXRef-Package-zlib", "versionInfo": "1.3", "downloadLocation": "NOASSERTION"},
			{"name": "curl", "SPDXID": "SPDXRef-Package-curl", "versionInfo": "8.5", "downloadLocation": "NOASSERTION"},
		},
		"relationships": []map[string]any{
			{"spdxElementId": "SPDXRef-DOCUMENT", "relatedSpdxElement": "SPDXRef-Package-curl", "relationshipType": "DESCRIBES"},
			{"spdxElementId": "SPDXRef-Package-curl", "relatedSpdxElement": "SPDXRef-Package-zlib", "relationshipType": "DEPENDS_ON"},
		},
	}
	stmt, err := json.Marshal(map[string]any{"_type": "https://in-toto.io/Statement/v0.1", "predicateType": spdxPredicate, "predicate": predicate})
	if err != nil {
		t.Fatal(err)
	}
	att, err := mutate.Append(empty.Image, mutate.Addendum{
		Layer:       static.NewLayer(stmt, "application/vnd.in-toto+json"),
		Annotations: map[string]string{predicateAnnotation: spdxPredicate},
	})
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: att, Descriptor: v1.Descriptor{
			Platform:    &v1.Platform{OS: "unknown", Architecture: "unknown"},
			Annotations: map[string]string{refTypeAnnotation: attestationManifest, refDigestAnnotation: digest.String()},
		}},
	)
	return mutate.IndexMediaType(idx, types.OCIImageIndex), digest
}

func TestAttestationsMerged(t *testing.T) {
	idx, digest := attestedIndex(t)
	docs, err := Attestations(idx, digest)
	if err != nil || len(docs) != 1 {
		t.Fatalf("attestations: %d %v", len(docs), err)
	}
	if other, err := Attestations(idx, v1.Hash{Algorithm: "sha256", Hex: digest.Hex[:63] + "x"}); err != nil || len(other) != 0 {
		t.Errorf("another image's attestations: %d %v", len(other), err)
	}
	in := Input{
		Name: "golden", SpecDigest: specDigest, Created: time.Unix(0, 0),
		Images:   map[string]string{"services/web": "docker.io/x/web:1@" + digest.String()},
		Attested: map[string][]*spdx.Document{"services/web": docs},
	}
	doc, err := Document(in)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := Encode(&buf, doc); err != nil {
		t.Fatal(err)
	}
	back, err := spdxjson.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]spdx.ElementID{}
	for _, p := range back.Packages {
		byName[p.PackageName] = p.PackageSPDXIdentifier
	}
	rel := map[string]bool{}
	for _, r := range back.Relationships {
		rel[string(r.RefA.ElementRefID)+" "+r.Relationship+" "+string(r.RefB.ElementRefID)] = true
	}
	web := string(byName["docker.io/x/web"])
	for _, want := range []string{
		web + " CONTAINS " + string(byName["curl"]),
		string(byName["curl"]) + " DEPENDS_ON " + string(byName["zlib"]),
	} {
		if !rel[want] {
			t.Errorf("missing relationship %s in %v", want, rel)
		}
	}
	if byName["curl"] == "Package-curl" {
		t.Error("the attested identifier was kept; two images' documents could collide")
	}
}

// TestScanCancelled checks that a cancelled context stops the scan.
func TestScanCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scan(ctx, bytes.NewReader(tarOf(t, fixtureFiles...)), Limits{}); err == nil {
		t.Error("a cancelled scan succeeded")
	}
}
