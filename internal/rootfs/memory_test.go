package rootfs

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"runtime"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// streamLayer is an uncompressed layer generated on the fly: one file of
// size bytes, never held in memory (tarball.LayerFromOpener would gzip it
// all to compute a digest).
type streamLayer struct {
	name string
	size int64
}

func (l streamLayer) hash() v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", sha256.Sum256([]byte(fmt.Sprint(l.name, l.size))))}
}
func (l streamLayer) Digest() (v1.Hash, error)            { return l.hash(), nil }
func (l streamLayer) DiffID() (v1.Hash, error)            { return l.hash(), nil }
func (l streamLayer) Compressed() (io.ReadCloser, error)  { return l.Uncompressed() }
func (l streamLayer) Size() (int64, error)                { return l.size + 2048, nil }
func (l streamLayer) MediaType() (types.MediaType, error) { return types.OCIUncompressedLayer, nil }
func (l streamLayer) Uncompressed() (io.ReadCloser, error) {
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	if err := tw.WriteHeader(&tar.Header{Name: l.name, Typeflag: tar.TypeReg, Mode: 0644, Size: l.size}); err != nil {
		return nil, err
	}
	pad := make([]byte, (512-l.size%512)%512+1024) // padding, then the end-of-archive blocks
	return io.NopCloser(io.MultiReader(&hdr, io.LimitReader(pattern{}, l.size), bytes.NewReader(pad))), nil
}

// pattern yields a repeating byte pattern.
type pattern struct{}

func (pattern) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i)
	}
	return len(p), nil
}

// countWriter counts and discards.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func TestMemoryStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("200 MiB stream")
	}
	const size = 200 << 20
	big := imageOf(t, streamLayer{name: "big/blob", size: size})
	p := &Plan{
		Init:    []v1.Image{big},
		Bundles: []Bundle{{Dir: "containers/services/big", Image: big, ConfigJSON: []byte("{}")}},
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var w countWriter
	if err := Write(context.Background(), &w, p); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if w.n < 2*size {
		t.Fatalf("wrote %d bytes, want both copies of %d", w.n, size)
	}
	// Every allocation counted, not a sample: a buffered copy would be >= 200 MiB.
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("wrote %d MiB, allocated %d KiB in total", w.n>>20, alloc>>10)
	if alloc > 16<<20 {
		t.Errorf("allocated %d MiB to stream %d MiB", alloc>>20, w.n>>20)
	}
}
