package rootfs

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"path"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/spec"
)

// volume is a plan volume at linuxkit's directories, as internal/assemble
// makes it from the spec.
func volume(name string, img v1.Image) Volume {
	v := &spec.Volume{Name: name}
	return Volume{Name: name, Image: img, Lower: v.LowerDir(), Tmp: v.TmpDir(), Merged: v.MergedDir()}
}

// ent is one entry of a crafted layer.
type ent struct {
	hdr  tar.Header
	body string
}

var layerTime = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

func reg(name, body string) ent {
	return ent{tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0644, Size: int64(len(body)), ModTime: layerTime}, body}
}

func dir(name string) ent {
	return ent{hdr: tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0755, ModTime: layerTime}}
}

func sym(name, target string) ent {
	return ent{hdr: tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: target, Mode: 0777, ModTime: layerTime}}
}

func hard(name, target string) ent {
	return ent{hdr: tar.Header{Name: name, Typeflag: tar.TypeLink, Linkname: target, Mode: 0644, ModTime: layerTime}}
}

func dev(name string, typ byte, major, minor int64) ent {
	return ent{hdr: tar.Header{Name: name, Typeflag: typ, Mode: 0600, Devmajor: major, Devminor: minor, ModTime: layerTime}}
}

// tarBytes writes entries as a tar archive (the header sizes are trusted,
// so a test can lie about them).
func tarBytes(t testing.TB, entries ...ent) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		h := e.hdr
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatalf("header %s: %v", h.Name, err)
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			t.Fatalf("body %s: %v", h.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// layerOf makes a real go-containerregistry layer from raw tar bytes.
func layerFromBytes(t testing.TB, b []byte) v1.Layer {
	t.Helper()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func layerOf(t testing.TB, entries ...ent) v1.Layer {
	t.Helper()
	return layerFromBytes(t, tarBytes(t, entries...))
}

// imageOf stacks layers on an empty image.
func imageOf(t testing.TB, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// img1 is an image of one layer.
func img1(t testing.TB, entries ...ent) v1.Image {
	t.Helper()
	return imageOf(t, layerOf(t, entries...))
}

// out is a written tar, read back.
type out struct {
	raw     []byte
	order   []string
	entries map[string]outEntry
}

type outEntry struct {
	hdr  *tar.Header
	body string
}

func (o out) has(name string) bool { _, ok := o.entries[name]; return ok }

func (o out) body(t testing.TB, name string) string {
	t.Helper()
	e, ok := o.entries[name]
	if !ok {
		t.Fatalf("no entry %q in %v", name, o.order)
	}
	if e.hdr.Typeflag == tar.TypeLink {
		return o.body(t, e.hdr.Linkname)
	}
	return e.body
}

func (o out) get(t testing.TB, name string) *tar.Header {
	t.Helper()
	e, ok := o.entries[name]
	if !ok {
		t.Fatalf("no entry %q in %v", name, o.order)
	}
	return e.hdr
}

// readOut parses a tar and checks the invariants every output must keep.
func readOut(t testing.TB, raw []byte) out {
	t.Helper()
	o := out{raw: raw, entries: map[string]outEntry{}}
	tr := tar.NewReader(bytes.NewReader(raw))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(h.Name, "/")
		if err := contained(o, name, h); err != nil {
			t.Fatalf("entry %q: %v", h.Name, err)
		}
		o.order = append(o.order, name)
		o.entries[name] = outEntry{h, string(b)}
	}
	return o
}

// contained checks one output entry against the ones before it: a clean
// relative name, seen once, every parent an earlier directory (so nothing
// is written through a symlink), hardlinks to earlier regular files.
func contained(o out, name string, h *tar.Header) error {
	if name == "" || strings.HasPrefix(name, "/") || path.Clean(name) != name || name == ".." || strings.HasPrefix(name, "../") {
		return errors.New("unclean name")
	}
	if (h.Typeflag == tar.TypeDir) != strings.HasSuffix(h.Name, "/") {
		return errors.New("directory slash mismatch")
	}
	if _, dup := o.entries[name]; dup {
		return errors.New("duplicate")
	}
	if d := path.Dir(name); d != "." {
		p, ok := o.entries[d]
		if !ok || p.hdr.Typeflag != tar.TypeDir {
			return errors.New("parent is not an earlier directory")
		}
	}
	if h.Typeflag == tar.TypeLink {
		target, ok := o.entries[h.Linkname]
		if !ok || target.hdr.Typeflag != tar.TypeReg {
			return errors.New("hardlink to something not written before")
		}
	}
	if h.Uname != "" || h.Gname != "" {
		return errors.New("owner names set")
	}
	return nil
}

// build indexes and writes a plan, failing the test on error.
func build(t testing.TB, p *Plan) out {
	t.Helper()
	var b bytes.Buffer
	if err := Write(context.Background(), &b, p); err != nil {
		t.Fatal(err)
	}
	return readOut(t, b.Bytes())
}

// buildErr expects Write to fail and returns the error text.
func buildErr(t testing.TB, p *Plan) string {
	t.Helper()
	err := Write(context.Background(), io.Discard, p)
	if err == nil {
		t.Fatal("Write succeeded, want an error")
	}
	return err.Error()
}
