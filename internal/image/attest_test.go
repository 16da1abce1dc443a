package image

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// attestedRig is a loopback registry holding an index with a buildkit SBOM
// attestation of its amd64 image, and a cache directory.
type attestedRig struct {
	reg   *testrig.Registry
	ref   string
	image v1.Hash // the amd64 manifest the attestation refers to
	cache string
}

func newAttestedRig(t *testing.T) attestedRig {
	t.Helper()
	hermeticDocker(t, nil)
	reg := testrig.StartRegistry(t)
	img := fixtureImage(t, 31, "amd64", 1)
	ref := reg.Ref("lk/attested:1")
	reg.Push(t, ref, testrig.AttestedIndex(t, "amd64", img, testrig.AttestedMusl))
	return attestedRig{reg: reg, ref: ref, image: digestOf(t, img), cache: t.TempDir()}
}

// store opens a Store on the rig's cache with policy pull.
func (r attestedRig) store(t *testing.T, pull Policy) *Store {
	return newStore(t, r.cache, func(o *Options) { o.Insecure = []string{r.reg.Host}; o.Pull = pull })
}

// statements returns the contents of the layers of every attestation in a.
func statements(t *testing.T, a Attested) []string {
	t.Helper()
	if a.Index == nil {
		return nil
	}
	im, err := a.Index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range im.Manifests {
		img, err := a.Index.Image(d.Digest)
		if err != nil {
			t.Fatalf("attestation %s: %v", d.Digest, err)
		}
		layers, err := img.Layers()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range layers {
			rc, err := l.Compressed()
			if err != nil {
				t.Fatal(err)
			}
			raw, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatalf("attestation %s layer: %v", d.Digest, err)
			}
			out = append(out, string(raw))
		}
	}
	return out
}

// attestationBlobs returns the cache paths of the attestation manifest and
// its layers.
func attestationBlobs(t *testing.T, s *Store, a Attested) (manifest string, layers []string) {
	t.Helper()
	im, _ := a.Index.IndexManifest()
	d := im.Manifests[0]
	img, _ := a.Index.Image(d.Digest)
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range m.Layers {
		layers = append(layers, filepath.Join(s.CacheDir(), "blobs", "sha256", l.Digest.Hex))
	}
	return filepath.Join(s.CacheDir(), "blobs", "sha256", d.Digest.Hex), layers
}

// TestAttestationsPulled: the attestation referring to the amd64 image is
// cached beside it and read back, also by a pull = never store and through
// the pinned digest.
func TestAttestationsPulled(t *testing.T) {
	r := newAttestedRig(t)
	p := pullOne(t, r.store(t, PullMissing), r.ref)
	for _, ref := range []string{r.ref, p.Pinned} {
		a, err := r.store(t, PullNever).Attestations(ref)
		if err != nil {
			t.Fatalf("Attestations(%s): %v", ref, err)
		}
		st := statements(t, a)
		if a.Image != r.image || a.Missing != 0 || len(st) != 1 || !strings.Contains(st[0], `"musl"`) || !strings.Contains(st[0], "https://spdx.dev/Document") {
			t.Fatalf("Attestations(%s) = image %s, missing %d, statements %q; want one for %s", ref, a.Image, a.Missing, st, r.image)
		}
	}
	never := r.store(t, PullNever)
	if _, err := never.Pull(context.Background(), []string{r.ref}); err != nil {
		t.Fatalf("pull = never from the cache: %v", err)
	}
}

// TestAttestationsAbsent: an index without attestations and a plain image
// give none, and no error.
func TestAttestationsAbsent(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	reg.pushIndex(t, "lk/plain:idx", fixtureIndex(t, 32).idx)
	reg.pushImage(t, "lk/plain:img", fixtureImage(t, 33, "amd64", 1))
	s := newStore(t, t.TempDir(), insecure(reg))
	for _, ref := range []string{reg.host + "/lk/plain:idx", reg.host + "/lk/plain:img"} {
		pullOne(t, s, ref)
		a, err := s.Attestations(ref)
		if err != nil || a.Index != nil || a.Missing != 0 || a.Image.Hex == "" {
			t.Errorf("Attestations(%s) = %+v, %v; want none", ref, a, err)
		}
	}
}

// TestAttestationsNotCached: a cache entry without its attestation serves
// pull = never, and Attestations counts it missing.
func TestAttestationsNotCached(t *testing.T) {
	r := newAttestedRig(t)
	s := r.store(t, PullMissing)
	pullOne(t, s, r.ref)
	a, err := s.Attestations(r.ref)
	if err != nil || a.Index == nil {
		t.Fatalf("Attestations: %+v, %v", a, err)
	}
	manifest, _ := attestationBlobs(t, s, a)
	if err := os.Remove(manifest); err != nil {
		t.Fatal(err)
	}
	never := r.store(t, PullNever)
	if _, err := never.Pull(context.Background(), []string{r.ref}); err != nil {
		t.Fatalf("pull = never without the attestation cached: %v", err)
	}
	a, err = never.Attestations(r.ref)
	if err != nil || a.Index != nil || a.Missing != 1 {
		t.Fatalf("Attestations without it cached = %+v, %v; want 1 missing", a, err)
	}
}

// TestAttestationsDamaged: a damaged cached attestation layer is an error
// naming the image for Attestations, and pull = missing fetches it again.
func TestAttestationsDamaged(t *testing.T) {
	r := newAttestedRig(t)
	s := r.store(t, PullMissing)
	pullOne(t, s, r.ref)
	a, _ := s.Attestations(r.ref)
	_, layers := attestationBlobs(t, s, a)
	if err := os.WriteFile(layers[0], []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Attestations(r.ref); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), r.ref) {
		t.Fatalf("Attestations of a damaged attestation: %v; want ErrCorrupt naming %s", err, r.ref)
	}
	pullOne(t, r.store(t, PullMissing), r.ref)
	if st := statements(t, mustAttestations(t, s, r.ref)); len(st) != 1 || !strings.Contains(st[0], `"musl"`) {
		t.Fatalf("after the pull: statements %q", st)
	}
}

// mustAttestations is s.Attestations(ref), failing the test on error.
func mustAttestations(t *testing.T, s *Store, ref string) Attested {
	t.Helper()
	a, err := s.Attestations(ref)
	if err != nil {
		t.Fatalf("Attestations(%s): %v", ref, err)
	}
	return a
}

// TestAttestationOversized: an attestation layer past the limit is refused
// from its declared size, naming the image, and the image is not recorded
// in the cache.
func TestAttestationOversized(t *testing.T) {
	hermeticDocker(t, nil)
	reg := testrig.StartRegistry(t)
	ref := reg.Ref("lk/huge:1")
	reg.PushOversizedAttestation(t, ref, "amd64", fixtureImage(t, 34, "amd64", 1), maxAttestationLayer+1)
	s := newStore(t, t.TempDir(), func(o *Options) { o.Insecure = []string{reg.Host} })
	_, err := s.Pull(context.Background(), []string{ref})
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), ref) || !strings.Contains(err.Error(), "64 MiB) allowed for an attestation layer") {
		t.Fatalf("pull of an oversized attestation: %v; want ErrUnsupported naming %s and the limit", err, ref)
	}
	t.Logf("refused: %v", err)
	if _, err := s.Attestations(ref); !errors.Is(err, ErrNotCached) {
		t.Fatalf("the refused image is in the cache: %v", err)
	}
}

// TestAttestationNotServed: an attestation whose layer the registry does not
// hold (a mirror that copied only the platform manifests, say) is left out
// with a notice naming the image; the pull itself succeeds and the image
// serves pull = never.
func TestAttestationNotServed(t *testing.T) {
	hermeticDocker(t, nil)
	reg := testrig.StartRegistry(t)
	ref := reg.Ref("lk/partial:1")
	reg.PushOversizedAttestation(t, ref, "amd64", fixtureImage(t, 35, "amd64", 1), 100) // a small layer, never pushed
	var n notices
	dir := t.TempDir()
	s := newStore(t, dir, func(o *Options) { o.Insecure = []string{reg.Host}; o.Notice = n.add })
	if _, err := s.Pull(context.Background(), []string{ref}); err != nil {
		t.Fatalf("pull of an image whose attestation is not served: %v", err)
	}
	if !strings.Contains(n.text(), ref) || !strings.Contains(n.text(), "the SBOM will lack it") {
		t.Fatalf("no notice naming %s and the SBOM: %q", ref, n.text())
	}
	never := newStore(t, dir, func(o *Options) { o.Insecure = []string{reg.Host}; o.Pull = PullNever })
	if _, err := never.Pull(context.Background(), []string{ref}); err != nil {
		t.Fatalf("pull = never from the cache: %v", err)
	}
}
