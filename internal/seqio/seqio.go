// Package seqio is the sequential writer the hand-written encoders (FAT, UKI,
// VMX) write through: it counts the bytes that reached the underlying writer,
// so an encoder always knows its offset, can pad with zeros up to a layout
// boundary, and reports a failed write with the offset it happened at.
//
// It exists so that each encoder does not carry its own copy of the same
// counting writer. It owns no format: only offsets.
package seqio

import (
	"fmt"
	"io"
)

// Writer writes sequentially to W and counts what W accepted in N. Prefix
// ("fat", "uki", …) starts the messages of the errors Put and ZerosTo
// return.
type Writer struct {
	W      io.Writer
	N      int64
	Prefix string
	zeros  []byte
}

// New returns a Writer over w at offset 0 whose errors start with prefix.
func New(w io.Writer, prefix string) *Writer {
	return &Writer{W: w, Prefix: prefix}
}

// Write implements io.Writer, counting what the underlying writer accepted.
func (c *Writer) Write(p []byte) (int, error) {
	n, err := c.W.Write(p)
	c.N += int64(n)
	return n, err
}

// Put writes all of p, and on failure says at which offset.
func (c *Writer) Put(p []byte) error {
	at := c.N
	if _, err := c.Write(p); err != nil {
		return fmt.Errorf("%s: write at offset %d: %w", c.Prefix, at, err)
	}
	return nil
}

// ZerosTo writes zeros up to offset end. Being past end already is a layout
// error of the caller's, reported as such.
func (c *Writer) ZerosTo(end int64) error {
	if c.N > end {
		return fmt.Errorf("%s: internal layout error: at offset %d, past %d", c.Prefix, c.N, end)
	}
	if c.zeros == nil && c.N < end {
		c.zeros = make([]byte, min(64<<10, end-c.N))
	}
	for c.N < end {
		if err := c.Put(c.zeros[:min(int64(len(c.zeros)), end-c.N)]); err != nil {
			return err
		}
	}
	return nil
}
