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

// Concat joins files end to end into one ISOFile, e.g. a CPU microcode cpio prepended to the
// initrd, which the kernel unpacks in order. Each part is opened only when the previous one has
// been read.
func Concat(path string, parts ...ISOFile) ISOFile {
	var size int64
	for _, p := range parts {
		size += p.Size
	}
	return ISOFile{Path: path, Size: size, Open: func() (io.ReadCloser, error) {
		return &concatReader{parts: parts}, nil
	}}
}

// concatReader reads the parts of a Concat one after another, each held to its declared size.
type concatReader struct {
	parts   []ISOFile
	cur     io.ReadCloser
	curPath string
	left    int64
}

func (c *concatReader) Read(p []byte) (int, error) {
	for {
		if c.cur == nil {
			if len(c.parts) == 0 {
				return 0, io.EOF
			}
			part := c.parts[0]
			c.parts = c.parts[1:]
			rc, err := openPart(part)
			if err != nil {
				return 0, err
			}
			c.cur, c.curPath, c.left = rc, part.Path, part.Size
		}
		if c.left == 0 {
			if err := c.closePart(); err != nil {
				return 0, err
			}
			continue
		}
		if int64(len(p)) > c.left {
			p = p[:c.left]
		}
		n, err := c.cur.Read(p)
		c.left -= int64(n)
		if errors.Is(err, io.EOF) && c.left > 0 {
			return n, fmt.Errorf("media: %s ended %d bytes early", c.curPath, c.left)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return n, err
		}
		if n > 0 {
			return n, nil
		}
	}
}

// closePart closes the current part after checking it has no bytes beyond its size.
func (c *concatReader) closePart() error {
	err := checkDrained(c.cur)
	if err != nil {
		err = fmt.Errorf("media: %s: %w", c.curPath, err)
	}
	if cerr := c.cur.Close(); err == nil {
		err = cerr
	}
	c.cur = nil
	return err
}

func (c *concatReader) Close() error {
	if c.cur != nil {
		err := c.cur.Close()
		c.cur = nil
		return err
	}
	return nil
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
