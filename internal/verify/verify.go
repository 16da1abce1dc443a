package verify

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/sigstore/sigstore/pkg/signature/payload"
)

// The errors Verify wraps, naming what failed; the message names the image.
var (
	// ErrUnsigned: the registry has no signature manifest for the image.
	ErrUnsigned = errors.New("no cosign signature")
	// ErrNotVerified: no signature verifies with any of the keys (signed
	// with another key, or the signature or its payload was altered).
	ErrNotVerified = errors.New("no signature verifies with the given keys")
	// ErrDigestMismatch: a signature verifies but signs another digest.
	ErrDigestMismatch = errors.New("the signature is for another image")
)

// The cosign signature format.
const (
	simpleSigningType   = "application/vnd.dev.cosign.simplesigning.v1+json"
	signatureAnnotation = "dev.cosignproject.cosign/signature"
	maxPayload          = 1 << 20
	maxLayers           = 1000
)

// Policy says which images must be signed, and by whom.
type Policy struct {
	// Keys are the accepted public keys; a signature by any one is enough.
	Keys []Key
	// Images are patterns on the normalized repository ("linuxkit/*",
	// "docker.io/library/alpine", "ghcr.io/org/**"); only matching images
	// are checked.
	Images []string
	// Source fetches the signature manifests.
	Source Source
}

// Verifier checks pinned images against a Policy.
type Verifier struct {
	keys     []Key
	patterns []string
	source   Source
}

// New checks a policy: at least one key, one pattern, and a Source.
func New(p Policy) (*Verifier, error) {
	if len(p.Keys) == 0 {
		return nil, fmt.Errorf("verify: no public keys")
	}
	if len(p.Images) == 0 {
		return nil, fmt.Errorf("verify: no image patterns")
	}
	if p.Source == nil {
		return nil, fmt.Errorf("verify: no signature source")
	}
	v := &Verifier{keys: p.Keys, source: p.Source}
	for _, pat := range p.Images {
		n, err := normalizePattern(pat)
		if err != nil {
			return nil, err
		}
		v.patterns = append(v.patterns, n)
	}
	return v, nil
}

// Matches reports whether the policy covers a normalized reference.
func (v *Verifier) Matches(ref string) bool {
	repo, _, err := splitPinned(ref)
	return err == nil && matches(v.patterns, repo)
}

// VerifyAll checks every image of a component → pinned reference map the
// policy covers, in key order, and returns every failure joined. It returns
// the keys it checked.
func (v *Verifier) VerifyAll(ctx context.Context, images map[string]string) ([]string, error) {
	keys := make([]string, 0, len(images))
	for k := range images {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var checked []string
	var errs []error
	for _, k := range keys {
		if !v.Matches(images[k]) {
			continue
		}
		checked = append(checked, k)
		if err := v.Verify(ctx, images[k]); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", k, err))
		}
	}
	return checked, errors.Join(errs...)
}

// Verify checks one pinned, normalized reference
// ("docker.io/linuxkit/init:v1@sha256:…"), whether or not the patterns
// cover it.
func (v *Verifier) Verify(ctx context.Context, ref string) error {
	repo, digest, err := splitPinned(ref)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	tag := strings.Replace(digest.String(), ":", "-", 1) + ".sig"
	sig, err := v.source.Signature(ctx, repo, tag)
	if err != nil {
		if errors.Is(err, ErrUnsigned) {
			return fmt.Errorf("verify: image %s: %w (%s:%s)", ref, ErrUnsigned, repo, tag)
		}
		return fmt.Errorf("verify: image %s: %w", ref, err)
	}
	return v.check(ref, digest, sig)
}

// check looks for a simple-signing layer of sig that verifies with a key
// and signs digest.
func (v *Verifier) check(ref string, digest v1.Hash, sig v1.Image) error {
	m, err := sig.Manifest()
	if err != nil {
		return fmt.Errorf("verify: image %s: read signature manifest: %w", ref, err)
	}
	if len(m.Layers) > maxLayers {
		return fmt.Errorf("verify: image %s: signature manifest has %d layers, over %d", ref, len(m.Layers), maxLayers)
	}
	var other []string
	for _, l := range m.Layers {
		if l.MediaType != simpleSigningType || l.Size > maxPayload {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(l.Annotations[signatureAnnotation])
		if err != nil || len(raw) == 0 {
			continue
		}
		body, err := layerBytes(sig, l.Digest)
		if err != nil {
			return fmt.Errorf("verify: image %s: read signature payload %s: %w", ref, l.Digest, err)
		}
		if !v.verifies(raw, body) {
			continue
		}
		var p payload.SimpleContainerImage
		if err := json.Unmarshal(body, &p); err != nil {
			continue // signed, but not a simple signing payload
		}
		if p.Critical.Type == payload.CosignSignatureType && p.Critical.Image.DockerManifestDigest == digest.String() {
			return nil
		}
		other = append(other, p.Critical.Image.DockerManifestDigest)
	}
	if len(other) > 0 {
		return fmt.Errorf("verify: image %s: %w: it signs %s, not %s", ref, ErrDigestMismatch, strings.Join(other, ", "), digest)
	}
	return fmt.Errorf("verify: image %s: %w (%s)", ref, ErrNotVerified, v.keyNames())
}

func (v *Verifier) verifies(sig, body []byte) bool {
	for _, k := range v.keys {
		if k.verifier.VerifySignature(bytes.NewReader(sig), bytes.NewReader(body)) == nil {
			return true
		}
	}
	return false
}

func (v *Verifier) keyNames() string {
	names := make([]string, len(v.keys))
	for i, k := range v.keys {
		names[i] = k.Name
	}
	return "keys: " + strings.Join(names, ", ")
}

// layerBytes reads a signature layer's blob (its digest is checked by the
// reader), at most maxPayload bytes.
func layerBytes(img v1.Image, h v1.Hash) ([]byte, error) {
	l, err := img.LayerByDigest(h)
	if err != nil {
		return nil, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxPayload+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxPayload {
		return nil, fmt.Errorf("over %d bytes", maxPayload)
	}
	return b, nil
}

// splitPinned returns the repository and digest of a pinned, normalized
// reference.
func splitPinned(ref string) (string, v1.Hash, error) {
	base, d, ok := strings.Cut(ref, "@")
	if !ok {
		return "", v1.Hash{}, fmt.Errorf("image %s is not pinned by digest", ref)
	}
	h, err := v1.NewHash(d)
	if err != nil {
		return "", v1.Hash{}, fmt.Errorf("image %s: %w", ref, err)
	}
	return repoOf(base), h, nil
}

// repoOf drops the tag of "repo:tag" (a ':' followed by no '/').
func repoOf(base string) string {
	if i := strings.LastIndex(base, ":"); i >= 0 && !strings.Contains(base[i+1:], "/") {
		return base[:i]
	}
	return base
}
