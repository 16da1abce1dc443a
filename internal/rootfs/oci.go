package rootfs

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// OCILayout is a volume written as an OCI image layout (LinuxKit's volume
// `format: oci`) rather than unpacked.
type OCILayout struct {
	// Index is the image index whose blobs are written.
	Index v1.ImageIndex
	// RefName is the org.opencontainers.image.ref.name annotation of the
	// index in index.json (LinuxKit writes the image reference).
	RefName string
	// Platforms limits the image manifests whose blobs are written (an
	// empty Variant matches any); empty means all. The index blob itself is
	// written unchanged, as LinuxKit does.
	Platforms []v1.Platform
}

// layoutFile is LinuxKit's oci-layout file, byte for byte.
const layoutFile = "{\n\t\t\"imageLayoutVersion\": \"1.0.0\"\n\t}"

// ociLayout writes the layout into dir: oci-layout, blobs/sha256/<hex> for
// the selected images (config, compressed layers, manifest) and the index,
// then index.json. Layer blobs are streamed when writing.
func (ix *indexer) ociLayout(g *tree, dir *node, o *OCILayout) error {
	im, err := o.Index.IndexManifest()
	if err != nil {
		return fmt.Errorf("index manifest: %w", err)
	}
	add := func(d *node, n *node) error {
		n.mtime = g.mtime
		if err := g.count(); err != nil {
			return err
		}
		place(d, n)
		return nil
	}
	if err := add(dir, &node{name: "oci-layout", typ: tar.TypeReg, mode: 0644, ino: dataInode([]byte(layoutFile))}); err != nil {
		return err
	}
	blobs := place(dir, &node{name: "blobs", typ: tar.TypeDir, mode: 0755, mtime: g.mtime})
	sha := place(blobs, &node{name: "sha256", typ: tar.TypeDir, mode: 0755, mtime: g.mtime})
	blob := func(h v1.Hash, ino *inode) error {
		if h.Algorithm != "sha256" || !validComponent(h.Hex) {
			return fmt.Errorf("unsupported digest %q", h)
		}
		return add(sha, &node{name: h.Hex, typ: tar.TypeReg, mode: 0644, ino: ino})
	}
	for _, desc := range im.Manifests {
		if desc.MediaType != types.OCIManifestSchema1 && desc.MediaType != types.DockerManifestSchema2 {
			continue
		}
		if !wanted(o.Platforms, desc.Platform) {
			continue
		}
		img, err := o.Index.Image(desc.Digest)
		if err != nil {
			return fmt.Errorf("image %s: %w", desc.Digest, err)
		}
		if err := ix.ociImage(img, blob); err != nil {
			return fmt.Errorf("image %s: %w", desc.Digest, err)
		}
	}
	raw, err := o.Index.RawManifest()
	if err != nil {
		return err
	}
	digest, err := o.Index.Digest()
	if err != nil {
		return err
	}
	if err := blob(digest, dataInode(raw)); err != nil {
		return err
	}
	index := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{{
		MediaType: types.OCIImageIndex, Size: int64(len(raw)), Digest: digest,
		Annotations: map[string]string{"org.opencontainers.image.ref.name": o.RefName},
	}}}
	indexJSON, err := json.MarshalIndent(index, "", "   ")
	if err != nil {
		return err
	}
	return add(dir, &node{name: "index.json", typ: tar.TypeReg, mode: 0644, ino: dataInode(indexJSON)})
}

// ociImage adds one image's config, layers and manifest as blobs.
func (ix *indexer) ociImage(img v1.Image, blob func(v1.Hash, *inode) error) error {
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	config, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	if err := blob(m.Config.Digest, dataInode(config)); err != nil {
		return err
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		digest, err := l.Digest()
		if err != nil {
			return err
		}
		size, err := l.Size()
		if err != nil {
			return err
		}
		open := func() (io.ReadCloser, int64, error) {
			rc, err := l.Compressed()
			return rc, size, err
		}
		ix.seq++
		if err := blob(digest, &inode{size: size, layer: -1, open: open, seq: ix.seq}); err != nil {
			return err
		}
	}
	raw, err := img.RawManifest()
	if err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	return blob(digest, dataInode(raw))
}

// wanted matches a manifest's platform against the requested ones.
func wanted(platforms []v1.Platform, p *v1.Platform) bool {
	if len(platforms) == 0 {
		return true
	}
	if p == nil {
		return false
	}
	for _, w := range platforms {
		if w.Architecture == p.Architecture && w.OS == p.OS && (w.Variant == "" || w.Variant == p.Variant) {
			return true
		}
	}
	return false
}
