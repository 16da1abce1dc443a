package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"
)

// The annotations buildkit puts on attestation manifests and layers.
const (
	refTypeAnnotation    = "vnd.docker.reference.type"
	refDigestAnnotation  = "vnd.docker.reference.digest"
	attestationManifest  = "attestation-manifest"
	predicateAnnotation  = "in-toto.io/predicate-type"
	spdxPredicate        = "https://spdx.dev/Document"
	maxAttestationLayers = 64 << 20
)

// Attestations returns the SPDX documents buildkit attached to the image
// with the given digest in idx: the in-toto statements with the SPDX
// predicate type in the attestation manifest that refers to it. An index
// without attestations gives none. This is where linuxkit takes the SBOMs
// it merges, too.
func Attestations(idx v1.ImageIndex, image v1.Hash) ([]*spdx.Document, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("sbom: read index: %w", err)
	}
	var out []*spdx.Document
	for _, desc := range im.Manifests {
		if desc.Annotations[refTypeAnnotation] != attestationManifest || desc.Annotations[refDigestAnnotation] != image.String() {
			continue
		}
		att, err := idx.Image(desc.Digest)
		if err != nil {
			return nil, fmt.Errorf("sbom: attestation %s of %s: %w", desc.Digest, image, err)
		}
		docs, err := statements(att)
		if err != nil {
			return nil, fmt.Errorf("sbom: attestation %s of %s: %w", desc.Digest, image, err)
		}
		out = append(out, docs...)
	}
	return out, nil
}

// statements reads the SPDX predicates of an attestation image's layers.
func statements(att v1.Image) ([]*spdx.Document, error) {
	m, err := att.Manifest()
	if err != nil {
		return nil, err
	}
	var out []*spdx.Document
	for _, l := range m.Layers {
		if l.Annotations[predicateAnnotation] != spdxPredicate {
			continue
		}
		if l.Size > maxAttestationLayers {
			return nil, fmt.Errorf("statement %s is %d bytes, over the %d limit", l.Digest, l.Size, maxAttestationLayers)
		}
		layer, err := att.LayerByDigest(l.Digest)
		if err != nil {
			return nil, err
		}
		rc, err := layer.Uncompressed()
		if err != nil {
			return nil, err
		}
		raw, err := io.ReadAll(io.LimitReader(rc, maxAttestationLayers+1))
		_ = rc.Close() // read-only; the read error above is what matters
		if err != nil {
			return nil, err
		}
		var st struct {
			Predicate json.RawMessage `json:"predicate"`
		}
		if err := json.Unmarshal(raw, &st); err != nil {
			return nil, fmt.Errorf("statement %s: %w", l.Digest, err)
		}
		doc, err := spdxjson.Read(bytes.NewReader(st.Predicate))
		if err != nil {
			return nil, fmt.Errorf("statement %s: %w", l.Digest, err)
		}
		out = append(out, doc)
	}
	return out, nil
}

// merge copies an attested document's packages under parent, as linuxkit
// merges the SBOMs of its images: every package gets a new identifier (so
// two images' documents cannot collide), the attested document's DESCRIBES
// become CONTAINS from the image's package, and relationships between its
// packages are kept. Files and snippets are left out.
func (d *builder) merge(parent common.ElementID, prefix string, att *spdx.Document) {
	ids := map[common.ElementID]common.ElementID{}
	for _, p := range att.Packages {
		q := *p
		q.Files, q.Annotations = nil, nil
		ids[p.PackageSPDXIdentifier] = d.add(&q, "attested", prefix, string(p.PackageSPDXIdentifier))
	}
	described := false
	for _, r := range att.Relationships {
		a, aok := ids[r.RefA.ElementRefID]
		b, bok := ids[r.RefB.ElementRefID]
		switch {
		case r.RefA.ElementRefID == "DOCUMENT" && r.Relationship == spdx.RelationshipDescribes && bok:
			d.relate(parent, b, spdx.RelationshipContains)
			described = true
		case aok && bok:
			d.relate(a, b, r.Relationship)
		}
	}
	if !described {
		for _, p := range att.Packages {
			d.relate(parent, ids[p.PackageSPDXIdentifier], spdx.RelationshipContains)
		}
	}
}
