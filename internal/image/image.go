package image

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Image returns the platform image (linux/Arch) of ref from the cache,
// without touching the network. ref must have been pulled (or be in the
// cache already). Layer contents are checked against their digests as they
// are read: a damaged layer makes the read fail with an error wrapping
// ErrCorrupt that names the image and the blob.
func (s *Store) Image(ref string) (v1.Image, error) {
	r, err := parseReference(ref)
	if err != nil {
		return nil, err
	}
	root, found, err := s.cache.lookup(r)
	if err != nil {
		return nil, &Error{Ref: r.name, Kind: ErrCache, Err: err}
	}
	if !found {
		return nil, &Error{Ref: r.name, Kind: ErrNotCached, Err: fmt.Errorf("cache %s has no entry for it", s.opts.CacheDir)}
	}
	pm, err := s.platformManifest(r, root)
	if err != nil {
		return nil, err
	}
	cfg, err := s.cache.readBlob(pm.manifest.Config.Digest, pm.manifest.Config.Size)
	if err != nil {
		return nil, s.cacheError(r, pm.manifest.Config.Digest, err)
	}
	img, err := partial.CompressedToImage(&cachedImage{s: s, ref: r.name, pm: pm, config: cfg})
	if err != nil {
		return nil, &Error{Ref: r.name, Kind: ErrCache, Err: err}
	}
	return img, nil
}

// platformImage is a platform image manifest read (and verified) from the
// cache.
type platformImage struct {
	desc     v1.Descriptor // the manifest's descriptor
	raw      []byte
	manifest *v1.Manifest
}

// platformManifest follows root (an index or a manifest) to the manifest
// for linux/Arch, reading and verifying every metadata blob on the way.
func (s *Store) platformManifest(r reference, root v1.Descriptor) (platformImage, error) {
	raw, err := s.cache.readBlob(root.Digest, root.Size)
	if err != nil {
		return platformImage{}, s.cacheError(r, root.Digest, err)
	}
	desc := root
	if mediaTypeOf(root, raw).IsIndex() {
		idx, err := v1.ParseIndexManifest(bytes.NewReader(raw))
		if err != nil {
			return platformImage{}, &Error{Ref: r.name, Kind: ErrCache, Blob: root.Digest.String(), Err: err}
		}
		if desc, err = selectPlatform(idx, s.opts.Arch); err != nil {
			return platformImage{}, &Error{Ref: r.name, Kind: ErrPlatform, Err: err}
		}
		if raw, err = s.cache.readBlob(desc.Digest, desc.Size); err != nil {
			return platformImage{}, s.cacheError(r, desc.Digest, err)
		}
	}
	m, err := parseImageManifest(desc, raw)
	if err != nil {
		return platformImage{}, &Error{Ref: r.name, Kind: ErrUnsupported, Blob: desc.Digest.String(), Err: err}
	}
	return platformImage{desc: desc, raw: raw, manifest: m}, nil
}

// cacheError wraps a failure to read blob h of image r from the cache.
func (s *Store) cacheError(r reference, h v1.Hash, err error) error {
	kind := ErrCache
	switch {
	case errors.Is(err, ErrCorrupt):
		kind = ErrCorrupt
	case errors.Is(err, fs.ErrNotExist):
		kind = ErrNotCached
	}
	return &Error{Ref: r.name, Kind: kind, Blob: h.String(), Err: err}
}

// mediaTypeOf returns desc's media type, or the one the content declares
// when the descriptor has none.
func mediaTypeOf(desc v1.Descriptor, raw []byte) types.MediaType {
	if desc.MediaType != "" {
		return desc.MediaType
	}
	var probe struct {
		MediaType types.MediaType `json:"mediaType"`
		Manifests []any           `json:"manifests"`
	}
	if err := json.Unmarshal(raw, &probe); err == nil {
		if probe.MediaType != "" {
			return probe.MediaType
		}
		if probe.Manifests != nil {
			return types.OCIImageIndex
		}
	}
	return types.OCIManifestSchema1
}

// parseImageManifest parses an image manifest, refusing indexes and
// docker schema 1.
func parseImageManifest(desc v1.Descriptor, raw []byte) (*v1.Manifest, error) {
	mt := mediaTypeOf(desc, raw)
	switch {
	case mt.IsSchema1():
		return nil, fmt.Errorf("docker schema 1 manifests are not supported (%s)", mt)
	case mt.IsIndex():
		return nil, fmt.Errorf("nested image indexes are not supported")
	case !mt.IsImage():
		return nil, fmt.Errorf("media type %q is not an image manifest", mt)
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parse manifest %s: %w", desc.Digest, err)
	}
	return m, nil
}

// selectPlatform picks linux/arch from an index. The variant is ignored
// (arm64 and arm64/v8 both match), as linuxkit does, but an entry without
// variant, or with v8 for arm64, is preferred.
func selectPlatform(idx *v1.IndexManifest, arch string) (v1.Descriptor, error) {
	var (
		best      *v1.Descriptor
		available []string
	)
	for i := range idx.Manifests {
		d := &idx.Manifests[i]
		if d.Platform == nil || (d.MediaType != "" && !d.MediaType.IsImage()) {
			continue
		}
		p := d.Platform
		if p.OS != "unknown" {
			available = append(available, strings.TrimSuffix(p.OS+"/"+p.Architecture+"/"+p.Variant, "/"))
		}
		if p.OS != "linux" || p.Architecture != arch {
			continue
		}
		if best == nil || (best.Platform.Variant != "" && (p.Variant == "" || p.Variant == "v8")) {
			best = d
		}
	}
	if best == nil {
		sort.Strings(available)
		return v1.Descriptor{}, fmt.Errorf("the index has no linux/%s image (it has: %s)", arch, strings.Join(available, ", "))
	}
	return *best, nil
}

// cachedImage implements partial.CompressedImageCore over the cache.
type cachedImage struct {
	s      *Store
	ref    string
	pm     platformImage
	config []byte
}

// RawConfigFile implements partial.ImageCore.
func (ci *cachedImage) RawConfigFile() ([]byte, error) { return ci.config, nil }

// MediaType implements partial.ImageCore.
func (ci *cachedImage) MediaType() (types.MediaType, error) {
	return mediaTypeOf(ci.pm.desc, ci.pm.raw), nil
}

// RawManifest implements partial.CompressedImageCore.
func (ci *cachedImage) RawManifest() ([]byte, error) { return ci.pm.raw, nil }

// LayerByDigest implements partial.CompressedImageCore.
func (ci *cachedImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	m := ci.pm.manifest
	if h == m.Config.Digest {
		return &cachedBlob{img: ci, desc: m.Config}, nil
	}
	for _, l := range m.Layers {
		if l.Digest == h {
			return &cachedBlob{img: ci, desc: l}, nil
		}
	}
	return nil, fmt.Errorf("image %s has no layer %s", ci.ref, h)
}

// cachedBlob is one layer of a cachedImage.
type cachedBlob struct {
	img  *cachedImage
	desc v1.Descriptor
}

// Digest implements partial.CompressedLayer.
func (b *cachedBlob) Digest() (v1.Hash, error) { return b.desc.Digest, nil }

// Size implements partial.CompressedLayer.
func (b *cachedBlob) Size() (int64, error) { return b.desc.Size, nil }

// MediaType implements partial.CompressedLayer.
func (b *cachedBlob) MediaType() (types.MediaType, error) { return b.desc.MediaType, nil }

// Descriptor returns the layer's descriptor from the manifest (annotations
// included).
func (b *cachedBlob) Descriptor() (*v1.Descriptor, error) { d := b.desc; return &d, nil }

// Compressed implements partial.CompressedLayer: the blob file, checked
// against its digest and size as it is read.
func (b *cachedBlob) Compressed() (io.ReadCloser, error) {
	f, err := b.img.s.cache.openBlob(b.desc.Digest)
	if err != nil {
		return nil, &Error{Ref: b.img.ref, Kind: ErrNotCached, Blob: b.desc.Digest.String(), Err: err}
	}
	return &verifyingReader{f: f, h: sha256.New(), want: b.desc, ref: b.img.ref}, nil
}

// verifyingReader hashes what it reads and, at EOF, fails unless the
// content matched the descriptor.
type verifyingReader struct {
	f    io.ReadCloser
	h    hash.Hash
	n    int64
	want v1.Descriptor
	ref  string
}

// Read implements io.Reader.
func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.f.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if v.want.Size >= 0 && v.n > v.want.Size {
		return n, v.corrupt(fmt.Errorf("more than the %d bytes expected", v.want.Size))
	}
	if err == io.EOF {
		if v.want.Size >= 0 && v.n != v.want.Size {
			return n, v.corrupt(fmt.Errorf("%d bytes, want %d", v.n, v.want.Size))
		}
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want.Digest.Hex {
			return n, v.corrupt(fmt.Errorf("content hashes to sha256:%s", got))
		}
	}
	return n, err
}

// corrupt builds the error for a damaged blob.
func (v *verifyingReader) corrupt(err error) error {
	return &Error{Ref: v.ref, Kind: ErrCorrupt, Blob: v.want.Digest.String(), Err: err}
}

// Close implements io.Closer.
func (v *verifyingReader) Close() error { return v.f.Close() }
