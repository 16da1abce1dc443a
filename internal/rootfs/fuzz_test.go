package rootfs

import (
	"bytes"
	"context"
	"io"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// FuzzLayer feeds arbitrary bytes as a layer of an init image and of a
// bundle. Index may refuse them; whatever it accepts must be written, and
// the output must keep every containment invariant (see contained).
func FuzzLayer(f *testing.F) {
	f.Add(tarBytes(f, dir("etc/"), reg("etc/passwd", "root"), hard("pw", "etc/passwd"), sym("lib", "usr/lib")))
	base := layerOf(f, sym("up", ".."), sym("abs", "/outside"), reg("f", "f"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 { // a gzip bomb of 64 KiB is 64 MiB
			return
		}
		img := imageOf(t, base, bytesLayer(data))
		p := &Plan{
			Init:    []v1.Image{img},
			Bundles: []Bundle{{Dir: "containers/services/x", Image: img, ConfigJSON: []byte("{}")}},
		}
		tree, err := Index(context.Background(), p)
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := tree.WriteTar(context.Background(), &b); err != nil {
			t.Fatalf("indexed but not written: %v", err)
		}
		readOut(t, b.Bytes())
	})
}

// bytesLayer is an uncompressed in-memory layer; unlike
// tarball.LayerFromOpener it does not gzip the data to compute a digest,
// which keeps fuzzing fast.
type bytesLayer []byte

func (l bytesLayer) Digest() (v1.Hash, error) {
	h, _, err := v1.SHA256(bytes.NewReader(l))
	return h, err
}
func (l bytesLayer) DiffID() (v1.Hash, error)           { return l.Digest() }
func (l bytesLayer) Compressed() (io.ReadCloser, error) { return l.Uncompressed() }
func (l bytesLayer) Uncompressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l)), nil
}
func (l bytesLayer) Size() (int64, error)                { return int64(len(l)), nil }
func (l bytesLayer) MediaType() (types.MediaType, error) { return types.OCIUncompressedLayer, nil }
