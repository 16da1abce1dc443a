package rootfs

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// TestOpenLayer: openLayer gives the same bytes as go-containerregistry's Uncompressed for a
// gzip layer, a multi-member gzip layer and an uncompressed one; a broken gzip header is an
// error.
func TestOpenLayer(t *testing.T) {
	plain := bytes.Repeat([]byte("linuxkit layer bytes\n"), 5000)
	gz := func(parts ...[]byte) []byte {
		var b bytes.Buffer
		for _, p := range parts {
			zw := gzip.NewWriter(&b)
			_, _ = zw.Write(p)
			_ = zw.Close()
		}
		return b.Bytes()
	}
	for name, blob := range map[string][]byte{
		"gzip":         gz(plain),
		"multi-member": gz(plain[:1000], plain[1000:]),
		"plain":        plain,
	} {
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(blob)), nil })
		if err != nil {
			t.Fatal(err)
		}
		rc, err := openLayer(l)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := io.ReadAll(rc)
		if cerr := rc.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		wb, _ := io.ReadAll(want)
		if !bytes.Equal(got, wb) {
			t.Errorf("%s: %d bytes, Uncompressed gives %d", name, len(got), len(wb))
		}
	}
	if _, err := openLayer(static.NewLayer([]byte{0x1f, 0x8b, 0, 0}, types.OCILayer)); err == nil {
		t.Error("a truncated gzip header opened")
	}
}
