package image

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// The annotations buildkit puts on the attestation manifests of an index:
// the kind of reference and the digest of the image manifest attested.
const (
	AnnotationRefType   = "vnd.docker.reference.type"
	AnnotationRefDigest = "vnd.docker.reference.digest"
	// RefTypeAttestation is AnnotationRefType's value on an attestation
	// manifest.
	RefTypeAttestation = "attestation-manifest"
)

// maxAttestationLayer bounds each layer (an in-toto statement) of an
// attestation manifest: statements are JSON documents read whole by their
// consumers, so a larger one is refused before anything is downloaded.
const maxAttestationLayer = 64 << 20

// attestationsOf returns the descriptors in idx of the attestation
// manifests that refer to the image manifest with digest image, in index
// order.
func attestationsOf(idx *v1.IndexManifest, image v1.Hash) []v1.Descriptor {
	var out []v1.Descriptor
	for _, d := range idx.Manifests {
		if d.Annotations[AnnotationRefType] == RefTypeAttestation && d.Annotations[AnnotationRefDigest] == image.String() {
			out = append(out, d)
		}
	}
	return out
}

// checkAttestation refuses an attestation manifest with a layer past
// maxAttestationLayer.
func checkAttestation(att v1.Descriptor, m *v1.Manifest) error {
	for _, l := range m.Layers {
		if l.Size > maxAttestationLayer {
			return fmt.Errorf("attestation %s: layer %s is %d bytes, more than the %d (%d MiB) allowed for an attestation layer",
				att.Digest, l.Digest, l.Size, int64(maxAttestationLayer), maxAttestationLayer>>20)
		}
	}
	return nil
}

// fetchAttestations copies into the cache the attestation manifests of idx
// that refer to the platform manifest image, with their configs and
// layers, through the same verified, bounded path as the image itself. An
// attestation the registry does not serve (a mirror that copied only the
// platform manifests, say) is left out with a notice: the image itself is
// what the build needs. A corrupt or oversized one fails the pull.
func (s *Store) fetchAttestations(ctx context.Context, puller *remote.Puller, r reference, rr remoteRef,
	idx *v1.IndexManifest, image v1.Hash) error {
	for _, d := range attestationsOf(idx, image) {
		if err := checkMetaSize(d.Digest, d.Size); err != nil {
			return &Error{Ref: r.name, Registry: rr.describe(), Kind: ErrUnsupported, Blob: d.Digest.String(), Err: fmt.Errorf("attestation: %w", err)}
		}
		ad, err := s.getManifest(ctx, puller, r, rr, d.Digest.String())
		if errors.Is(err, ErrNotFound) {
			s.notice("image %s: the registry does not serve its attestation %s; the SBOM will lack it", r.name, d.Digest)
			continue
		}
		if err != nil {
			return err
		}
		if ad.Digest != d.Digest {
			return &Error{Ref: r.name, Registry: rr.describe(), Kind: ErrCorrupt, Blob: d.Digest.String(),
				Err: fmt.Errorf("registry returned attestation manifest %s", ad.Digest)}
		}
		m, err := parseImageManifest(d, ad.Manifest)
		if err != nil {
			return &Error{Ref: r.name, Registry: rr.describe(), Kind: ErrUnsupported, Blob: d.Digest.String(), Err: fmt.Errorf("attestation: %w", err)}
		}
		if err := checkAttestation(d, m); err != nil {
			return &Error{Ref: r.name, Registry: rr.describe(), Kind: ErrUnsupported, Blob: d.Digest.String(), Err: err}
		}
		if err := s.fetchImage(ctx, puller, r, rr, d, ad.Manifest, false, false); errors.Is(err, ErrNotFound) {
			s.notice("image %s: the registry lacks a blob of its attestation %s; the SBOM will lack it", r.name, d.Digest)
			continue
		} else if err != nil {
			return err
		}
		s.logf("image %s: cached attestation %s", r.name, d.Digest)
	}
	return nil
}

// cachedAttestation reads attestation manifest d of image r from the
// cache and re-hashes its config and layers. A manifest not in the cache
// gives an error wrapping fs.ErrNotExist; any other failure is r's
// *Error.
func (s *Store) cachedAttestation(r reference, d v1.Descriptor) (*cachedImage, error) {
	raw, err := s.cache.readBlob(d.Digest, d.Size)
	if err != nil {
		return nil, s.cacheError(r, d.Digest, err)
	}
	m, err := parseImageManifest(d, raw)
	if err != nil {
		return nil, &Error{Ref: r.name, Kind: ErrUnsupported, Blob: d.Digest.String(), Err: fmt.Errorf("attestation: %w", err)}
	}
	if err := checkAttestation(d, m); err != nil {
		return nil, &Error{Ref: r.name, Kind: ErrUnsupported, Blob: d.Digest.String(), Err: err}
	}
	cfg, err := s.cache.readBlob(m.Config.Digest, m.Config.Size)
	if err != nil {
		return nil, s.cacheError(r, m.Config.Digest, err)
	}
	for _, l := range m.Layers {
		if err := s.cache.verifyBlob(l.Digest, l.Size); err != nil {
			return nil, s.cacheError(r, l.Digest, err)
		}
	}
	return &cachedImage{s: s, ref: r.name, pm: platformImage{desc: d, raw: raw, manifest: m}, config: cfg}, nil
}

// checkCachedAttestations fails when an attestation of pm that is in the
// cache (its manifest blob is there) is incomplete or damaged, so that
// the pull policy fetches the image again; attestations whose manifest
// was never cached are not an error.
func (s *Store) checkCachedAttestations(r reference, root v1.Descriptor, pm platformImage) error {
	if pm.desc.Digest == root.Digest {
		return nil
	}
	idx, err := s.rootIndex(r, root)
	if err != nil {
		return err
	}
	for _, d := range attestationsOf(idx, pm.desc.Digest) {
		if err := s.cache.verifyBlob(d.Digest, d.Size); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if _, err := s.cachedAttestation(r, d); err != nil {
			return err
		}
	}
	return nil
}

// Attested is what the cache holds of the attestations of one image.
type Attested struct {
	// Index lists the attestation manifests of the image that are complete
	// and intact in the cache, over the cached index's annotations; its
	// Image method reads them from the cache, layers verified as they are
	// read. Nil when the image has none cached (or is not an index).
	Index v1.ImageIndex
	// Image is the digest of the platform manifest (linux/Arch) the
	// attestations refer to.
	Image v1.Hash
	// Missing counts the attestation manifests the index lists for Image
	// that are not (completely) in the cache, e.g. a cache entry written
	// by a tool that does not fetch them.
	Missing int
}

// Attestations returns the cached attestation manifests of ref's platform
// image (buildkit's, annotated vnd.docker.reference.type =
// attestation-manifest), without touching the network. ref must have been
// pulled. An image that is not an index, or has no attestations, gives an
// Attested with a nil Index; a damaged attestation is an error wrapping
// ErrCorrupt.
func (s *Store) Attestations(ref string) (Attested, error) {
	r, err := parseReference(ref)
	if err != nil {
		return Attested{}, err
	}
	root, found, err := s.cache.lookup(r)
	if err != nil {
		return Attested{}, &Error{Ref: r.name, Kind: ErrCache, Err: err}
	}
	if !found {
		return Attested{}, &Error{Ref: r.name, Kind: ErrNotCached, Err: fmt.Errorf("cache %s has no entry for it", s.opts.CacheDir)}
	}
	pm, err := s.platformManifest(r, root)
	if err != nil {
		return Attested{}, err
	}
	out := Attested{Image: pm.desc.Digest}
	if pm.desc.Digest == root.Digest {
		return out, nil
	}
	idx, err := s.rootIndex(r, root)
	if err != nil {
		return Attested{}, err
	}
	view := &attestationIndex{images: map[v1.Hash]*cachedImage{}, manifest: v1.IndexManifest{SchemaVersion: idx.SchemaVersion, MediaType: idx.MediaType}}
	for _, d := range attestationsOf(idx, pm.desc.Digest) {
		ci, err := s.cachedAttestation(r, d)
		if errors.Is(err, fs.ErrNotExist) {
			out.Missing++
			continue
		}
		if err != nil {
			return Attested{}, err
		}
		view.manifest.Manifests = append(view.manifest.Manifests, d)
		view.images[d.Digest] = ci
	}
	if len(view.images) > 0 {
		out.Index = view
	}
	return out, nil
}
