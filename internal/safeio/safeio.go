// Package safeio holds the I/O guarantees every output of the plugin needs:
// a file appears whole or not at all (WriteFile), a long copy stops when the
// build is cancelled (Reader), a non-regular input never hangs a read
// (OpenRegular), and -force never removes a folder the user keeps
// (CheckReplaceable: CheckRemovable's protected paths, then CheckOwned's
// marker that MarkOwned writes into every output folder the plugin makes).
//
// It owns nothing else: no formats, no Packer SDK.
package safeio

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile creates path through fill: the data goes into a temporary file
// in the same folder, which is synced (unless NoSync), made 0644 and renamed over path.
// Readers therefore see either the old file or the complete new one, and a
// failure leaves no temporary file behind.
func WriteFile(path string, fill func(f *os.File) error, opts ...Option) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	o := options{pattern: "." + base + ".*.tmp"}
	for _, opt := range opts {
		opt(&o)
	}
	f, err := os.CreateTemp(dir, o.pattern)
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = fill(f); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("chmod %s: %w", path, err)
	}
	if err = o.sync(f); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("renaming %s: %w", path, err)
	}
	return nil
}

// Option changes how WriteFile works.
type Option func(*options)

type options struct {
	pattern string
	noSync  bool
}

func (o options) sync(f *os.File) error {
	if o.noSync {
		return nil
	}
	return f.Sync()
}

// NoSync skips the fsync before the rename. Only for content that is
// checked whenever it is read, such as the image cache's blobs (hashed
// against their digest before a build trusts them): after a crash such a
// file may be short or empty, which the next read detects and repairs. It
// saves a disk flush per file, which dominated a pull from a fast registry.
func NoSync() Option {
	return func(o *options) { o.noSync = true }
}

// TempPattern names WriteFile's temporary file with pattern, as
// os.CreateTemp takes it. The image cache uses it so that a crashed
// process's temporary files match the names its sweep removes.
func TempPattern(pattern string) Option {
	return func(o *options) { o.pattern = pattern }
}

// Reader returns r wrapped so that every Read first checks ctx: a copy from
// it ends with ctx's error soon after the build is cancelled.
func Reader(ctx context.Context, r io.Reader) io.Reader {
	return ctxReader{ctx: ctx, r: r}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
