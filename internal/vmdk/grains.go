package vmdk

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
)

// grainSource cuts the raw stream into grains, skips the zero ones and digests the content.
type grainSource struct {
	r        io.Reader
	capacity int64 // bytes the caller allowed
	grains   uint64
	next     uint64 // index of the next grain to read
	read     int64  // bytes read from r
	eof      bool
	digest   hash.Hash
}

func newGrainSource(r io.Reader, capacity int64, l layout) *grainSource {
	d := sha256.New()
	_ = binary.Write(d, binary.LittleEndian, l.capSectors)
	return &grainSource{r: r, capacity: capacity, grains: l.grains, digest: d}
}

var zeroGrain = make([]byte, grainBytes)

// nextData fills buf (grainBytes long) with the next grain holding any non-zero byte and
// returns its index; ok is false once the disk holds no more data.
func (g *grainSource) nextData(buf []byte) (index uint64, ok bool, err error) {
	for !g.eof && g.next < g.grains {
		n, err := io.ReadFull(g.r, buf)
		g.read += int64(n)
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			g.eof = true
			clear(buf[n:])
		case err != nil:
			return 0, false, fmt.Errorf("vmdk: read disk image: %w", err)
		}
		if g.read > g.capacity {
			return 0, false, fmt.Errorf("vmdk: disk image is longer than the capacity of %d bytes", g.capacity)
		}
		index = g.next
		g.next++
		if n == 0 || bytes.Equal(buf, zeroGrain) {
			continue
		}
		var idx [8]byte
		binary.LittleEndian.PutUint64(idx[:], index)
		g.digest.Write(idx[:])
		g.digest.Write(buf)
		return index, true, nil
	}
	if !g.eof {
		// Every grain is read: anything left in the stream would be lost.
		var probe [1]byte
		if n, _ := io.ReadFull(g.r, probe[:]); n > 0 {
			return 0, false, fmt.Errorf("vmdk: disk image is longer than the capacity of %d bytes", g.capacity)
		}
		g.eof = true
	}
	return 0, false, nil
}

// cid derives the descriptor's content ID from the digest of the disk's content (capacity
// and every non-zero grain with its index). 0xffffffff, which means "no parent" in
// parentCID, is avoided.
func (g *grainSource) cid() uint32 {
	c := binary.BigEndian.Uint32(g.digest.Sum(nil))
	if c == 0xffffffff {
		c--
	}
	return c
}
