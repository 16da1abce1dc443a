package rootfs

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// MaxReadFile bounds what ReadFile returns.
const MaxReadFile = 16 << 20

// Open streams the contents of the regular file at name (e.g. BootKernel,
// BootUCode), following symlinks inside the tree, and returns its size.
func (t *Tree) Open(ctx context.Context, name string) (io.ReadCloser, int64, error) {
	rc, size, err := open(ctx, t.g, t.layers, name)
	if err != nil {
		return nil, 0, fmt.Errorf("rootfs: open %s: %w", name, err)
	}
	return rc, size, nil
}

// OpenFile streams one regular file of an image as a container would see
// it (layers flattened, whiteouts applied, symlinks followed inside the
// image) and returns its size. It reads every layer's headers first.
func OpenFile(ctx context.Context, img v1.Image, name string) (io.ReadCloser, int64, error) {
	ix := &indexer{ctx: ctx, mtime: DefaultModTime.Unix()}
	t, err := ix.flatten("image", img, flattenOpts{whiteouts: true})
	if err != nil {
		return nil, 0, fmt.Errorf("rootfs: open %s: %w", name, err)
	}
	rc, size, err := open(ctx, t, ix.layers, name)
	if err != nil {
		return nil, 0, fmt.Errorf("rootfs: open %s: %w", name, err)
	}
	return rc, size, nil
}

// ReadFile returns one regular file of an image (see OpenFile), e.g.
// /etc/passwd to map user names to ids. Files over MaxReadFile are refused.
func ReadFile(img v1.Image, name string) ([]byte, error) {
	rc, size, err := OpenFile(context.Background(), img, name)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	if size > MaxReadFile {
		return nil, fmt.Errorf("rootfs: read %s: %d bytes, more than %d", name, size, MaxReadFile)
	}
	b, err := readSmall(rc, MaxReadFile)
	if err != nil {
		return nil, fmt.Errorf("rootfs: read %s: %w", name, err)
	}
	return b, nil
}

func open(ctx context.Context, t *tree, layers []v1.Layer, name string) (io.ReadCloser, int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	n, err := regularFile(t, name)
	if err != nil {
		return nil, 0, err
	}
	ino := n.ino
	switch {
	case ino.open != nil:
		rc, size, err := ino.open()
		if err != nil {
			return nil, 0, err
		}
		if size != ino.size {
			_ = rc.Close()
			return nil, 0, fmt.Errorf("source changed size while building")
		}
		return rc, size, nil
	case !ino.inLayer():
		return io.NopCloser(bytes.NewReader(ino.data)), ino.size, nil
	}
	closer, body, err := openEntry(layers[ino.layer], ino.entry, sizeOfEntry(ino))
	if err != nil {
		return nil, 0, err
	}
	if ino.sub >= 0 {
		if body, err = subEntry(body, ino.sub, ino.size); err != nil {
			_ = closer.Close()
			return nil, 0, err
		}
	}
	return readCloser{io.LimitReader(body, ino.size), closer}, ino.size, nil
}

// sizeOfEntry is the outer entry's size to check, unknown (-1) for a file
// inside a nested tar.
func sizeOfEntry(ino *inode) int64 {
	if ino.sub >= 0 {
		return -1
	}
	return ino.size
}

// subEntry positions a reader on entry sub of the tar stored in r.
func subEntry(r io.Reader, sub int, size int64) (io.Reader, error) {
	body, err := maybeGunzip(r)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(body)
	for s := 0; ; s++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil, errChanged
		}
		if err != nil {
			return nil, err
		}
		if s == sub {
			if hdr.Size != size {
				return nil, errChanged
			}
			return tr, nil
		}
	}
}

type readCloser struct {
	io.Reader
	io.Closer
}
