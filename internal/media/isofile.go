package media

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ISOFile is one file to place in an image: its size, known before anything is written, and a
// way to open its bytes when the writer reaches it. The writer never buffers it: the layout is
// computed from Size, and Open is called once, when its data is streamed.
type ISOFile struct {
	// Path says where the bytes come from (a host path or a description); it only appears in
	// error messages.
	Path string
	// Size is the exact number of bytes Open yields; a source that yields more or fewer is an
	// error, because the layout was computed from Size.
	Size int64
	// Open returns the bytes. The writer closes what it returns.
	Open func() (io.ReadCloser, error)
}

// FileFromPath describes a host file by its current size; Open opens it when its turn comes.
func FileFromPath(path string) (ISOFile, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return ISOFile{}, fmt.Errorf("media: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return ISOFile{}, fmt.Errorf("media: %s is not a regular file", path)
	}
	return ISOFile{Path: path, Size: fi.Size(), Open: func() (io.ReadCloser, error) { return os.Open(path) }}, nil
}

// openPart opens one ISOFile, rejecting a missing Open.
func openPart(f ISOFile) (io.ReadCloser, error) {
	if f.Open == nil {
		return nil, fmt.Errorf("media: %s has no Open function", f.Path)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("media: open %s: %w", f.Path, err)
	}
	return rc, nil
}

// errTooLong is returned when a source yields more bytes than its declared size.
var errTooLong = errors.New("source is longer than its declared size (did it change while the image was written?)")

// checkDrained verifies that r has nothing left to read.
func checkDrained(r io.Reader) error {
	var one [1]byte
	n, err := io.ReadFull(r, one[:])
	if n > 0 {
		return errTooLong
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	return nil
}
