package rootfs

import (
	"context"
	"io"
	"io/fs"
	"path"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// ImageFS is a read-only fs.FS over an image's flattened filesystem that
// supports opening regular files only (what reading boot files needs). Each
// Open reads the image's layer headers; it is meant for a handful of files.
func ImageFS(ctx context.Context, img v1.Image) fs.FS {
	return imageFS{ctx: ctx, img: img}
}

type imageFS struct {
	ctx context.Context
	img v1.Image
}

func (f imageFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	rc, size, err := OpenFile(f.ctx, f.img, name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &imageFile{ReadCloser: rc, info: fileInfo{name: path.Base(name), size: size}}, nil
}

type imageFile struct {
	io.ReadCloser
	info fileInfo
}

func (f *imageFile) Stat() (fs.FileInfo, error) { return f.info, nil }

type fileInfo struct {
	name string
	size int64
}

func (i fileInfo) Name() string       { return i.name }
func (i fileInfo) Size() int64        { return i.size }
func (i fileInfo) Mode() fs.FileMode  { return 0o444 }
func (i fileInfo) ModTime() time.Time { return DefaultModTime }
func (i fileInfo) IsDir() bool        { return false }
func (i fileInfo) Sys() any           { return nil }
