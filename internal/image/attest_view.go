package image

import (
	"bytes"
	"encoding/json"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// rootIndex reads and parses the cached index root of image r.
func (s *Store) rootIndex(r reference, root v1.Descriptor) (*v1.IndexManifest, error) {
	raw, err := s.cache.readBlob(root.Digest, root.Size)
	if err != nil {
		return nil, s.cacheError(r, root.Digest, err)
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, &Error{Ref: r.name, Kind: ErrCache, Blob: root.Digest.String(), Err: err}
	}
	return idx, nil
}

// attestationIndex is the v1.ImageIndex Store.Attestations returns: the
// cached attestation manifests of one image, with their descriptors (and
// annotations) as the registry's index lists them, read from the cache.
type attestationIndex struct {
	manifest v1.IndexManifest
	images   map[v1.Hash]*cachedImage
}

// MediaType implements v1.ImageIndex.
func (a *attestationIndex) MediaType() (types.MediaType, error) {
	if a.manifest.MediaType == "" {
		return types.OCIImageIndex, nil
	}
	return a.manifest.MediaType, nil
}

// RawManifest implements v1.ImageIndex: the view's own index manifest,
// which lists only the cached attestations.
func (a *attestationIndex) RawManifest() ([]byte, error) { return json.Marshal(a.manifest) }

// Digest implements v1.ImageIndex.
func (a *attestationIndex) Digest() (v1.Hash, error) { return partial.Digest(a) }

// Size implements v1.ImageIndex.
func (a *attestationIndex) Size() (int64, error) { return partial.Size(a) }

// IndexManifest implements v1.ImageIndex.
func (a *attestationIndex) IndexManifest() (*v1.IndexManifest, error) {
	m := a.manifest
	m.Manifests = append([]v1.Descriptor(nil), a.manifest.Manifests...)
	return &m, nil
}

// Image implements v1.ImageIndex: one cached attestation manifest.
func (a *attestationIndex) Image(h v1.Hash) (v1.Image, error) {
	ci, ok := a.images[h]
	if !ok {
		return nil, fmt.Errorf("no cached attestation %s", h)
	}
	return partial.CompressedToImage(ci)
}

// ImageIndex implements v1.ImageIndex; attestations are never indexes.
func (a *attestationIndex) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	return nil, fmt.Errorf("attestation %s is not an index", h)
}
