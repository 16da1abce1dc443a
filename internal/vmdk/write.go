package vmdk

import (
	"bufio"
	"fmt"
	"io"
)

// Write reads the raw disk image from src and writes it to dst as a sparse VMDK of capacity
// bytes (rounded up to a 64 KiB grain). A src shorter than capacity is padded with zeros, so
// an empty reader gives an empty disk; a src longer than capacity is an error. Grains of
// zeros are not stored. dst receives the file from its current position; Write leaves dst
// positioned at the end of the file.
func Write(dst io.WriteSeeker, src io.Reader, capacity int64, opts Options) error {
	o, err := opts.resolve(dst)
	if err != nil {
		return err
	}
	l, err := newLayout(capacity)
	if err != nil {
		return err
	}
	out, err := newOutput(dst)
	if err != nil {
		return err
	}
	gs := newGrainSource(src, capacity, l)
	if o.Compressed {
		err = writeStream(out, gs, l, o)
	} else {
		err = writeSparse(out, gs, l, o)
	}
	if err != nil {
		return err
	}
	return out.finish()
}

// output writes the file sequentially through a buffer and can patch earlier bytes.
type output struct {
	ws   io.WriteSeeker
	w    *bufio.Writer
	base int64 // dst's position when Write started: the file's offset 0
	pos  int64 // bytes written so far: the file's length
}

func newOutput(ws io.WriteSeeker) (*output, error) {
	base, err := ws.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("vmdk: destination position: %w", err)
	}
	return &output{ws: ws, w: bufio.NewWriterSize(ws, 1<<20), base: base}, nil
}

func (o *output) write(p []byte) error {
	n, err := o.w.Write(p)
	o.pos += int64(n)
	if err != nil {
		return fmt.Errorf("vmdk: write: %w", err)
	}
	return nil
}

var zeroSector [sectorSize]byte

// zeros writes n zero bytes.
func (o *output) zeros(n int64) error {
	for n > 0 {
		k := min(n, sectorSize)
		if err := o.write(zeroSector[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// padTo writes zeros up to the given sector.
func (o *output) padTo(sector uint64) error {
	return o.zeros(int64(sector)*sectorSize - o.pos)
}

// sector is the sector the next write lands on; writes are kept sector-aligned.
func (o *output) sector() uint64 { return uint64(o.pos) / sectorSize }

// patch overwrites bytes already written at file offset off.
func (o *output) patch(off int64, p []byte) error {
	if err := o.w.Flush(); err != nil {
		return fmt.Errorf("vmdk: write: %w", err)
	}
	if _, err := o.ws.Seek(o.base+off, io.SeekStart); err != nil {
		return fmt.Errorf("vmdk: seek: %w", err)
	}
	if _, err := o.ws.Write(p); err != nil {
		return fmt.Errorf("vmdk: write at %d: %w", off, err)
	}
	// Back to the end, so sequential writes may go on.
	if _, err := o.ws.Seek(o.base+o.pos, io.SeekStart); err != nil {
		return fmt.Errorf("vmdk: seek: %w", err)
	}
	return nil
}

// patchTable overwrites bytes already written at file offset off with the encoded entries,
// a chunk at a time, so a large table is never encoded whole.
func (o *output) patchTable(off int64, entries []uint32) error {
	const chunk = 16 << 10
	for len(entries) > 0 {
		n := min(len(entries), chunk)
		if err := o.patch(off, putTable(entries[:n])); err != nil {
			return err
		}
		off += int64(4 * n)
		entries = entries[n:]
	}
	return nil
}

// finish flushes what is buffered; the destination is left at the end of the file.
func (o *output) finish() error {
	if err := o.w.Flush(); err != nil {
		return fmt.Errorf("vmdk: write: %w", err)
	}
	return nil
}
