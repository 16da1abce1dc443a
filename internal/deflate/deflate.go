package deflate

import (
	"bytes"
	"encoding/binary"
	"hash/adler32"
	"slices"
)

// WindowSize is DEFLATE's window (RFC 1951): how far back a match can reach, so the most of
// a part's history a PartEncoder needs.
const WindowSize = 1 << 15

// blockSymbols is the most symbols one block holds: half of zlib's default (lit_bufsize
// - 1), because shorter blocks follow the changes in the data more closely. On the Go
// tree's cpio, 8191 gives 0.2% less than 16383 and 0.5% less than 32767.
const blockSymbols = 1<<13 - 1

// zlibHeader is a zlib header (RFC 1950) for a 32 KiB window and the default level: 0x789c
// is a multiple of 31, as FCHECK requires.
const zlibHeader = 0x789c

// Encoder compresses buffers one at a time. Its zero value is ready; it keeps only scratch
// space between calls (about 390 KiB, and 32 KiB of symbols), so one
// Encoder serves a goroutine for any number of buffers, and the output depends on nothing
// but the input and Depth.
type Encoder struct {
	// Depth is the most earlier positions tried for a match at each position: the speed
	// and size trade-off, as a gzip level is. 0 means 8. Measured on the cpio of the Go
	// 1.26 tree without *.a (235 MB, 16.7k files) through GzipWriter (1 MiB parts) on one
	// core of an Intel Xeon, against zlib -6 (pigz -6: 66.24 MB, 5.7 s of CPU):
	//
	//	depth   size       ratio    time
	//	4       68.12 MB   1.028    2.8 s
	//	8       67.17 MB   1.014    3.0 s
	//	16      66.54 MB   1.005    3.2 s
	//	24      66.27 MB   1.0005   3.3 s
	//	32      66.11 MB   0.998    3.5 s
	//	48      65.94 MB   0.996    3.7 s
	//	64      65.84 MB   0.994    3.9 s
	//	128     65.67 MB   0.991    4.6 s
	//	256     65.55 MB   0.990    5.4 s
	Depth int

	m    matcher
	b    block
	w    bitWriter
	toks []token
}

// AppendDeflate appends the raw DEFLATE stream (RFC 1951) of src to dst: complete, its
// last block final.
func (e *Encoder) AppendDeflate(dst, src []byte) []byte {
	return e.AppendBlock(dst, src, 0, true)
}

// AppendBlock appends to dst the DEFLATE blocks of src[start:] (0 <= start <= len(src)),
// whose matches may refer back into src[:start] (only its last 32767 bytes count; src must be
// under 2 GiB): the way one stream is cut into parts compressed apart, each with the previous part's tail as its window. With final, the
// last block is final and the output is padded to a byte; without it, the output ends
// with an empty stored block (zlib's sync flush), so it ends on a byte boundary and the
// next part's blocks follow it directly in the same stream.
func (e *Encoder) AppendBlock(dst, src []byte, start int, final bool) []byte {
	depth := e.Depth
	if depth <= 0 {
		depth = defaultDepth
	}
	e.w = bitWriter{out: dst}
	out := blockOut{w: &e.w, b: &e.b, src: src, at: start, final: final}
	e.toks = e.m.parse(slices.Grow(e.toks[:0], blockSymbols), src, start, depth, &out)
	if !final {
		writeStored(&e.w, nil, false)
	}
	e.w.align()
	return e.w.out
}

// blockOut writes the blocks of one AppendBlock as the parse fills them, so the symbols of
// a block are still in cache when they are counted and written.
type blockOut struct {
	w     *bitWriter
	b     *block
	src   []byte
	at    int // the input bytes the blocks written so far end at
	final bool
}

// add appends t to toks, first writing toks as a block when it holds blockSymbols. It is
// small enough to be inlined in the parse loop; writing the block is not.
func (o *blockOut) add(toks []token, t token) []token {
	if len(toks) == blockSymbols {
		toks = o.next(toks)
	}
	return append(toks, t)
}

// next writes toks as a block that is not the last, and returns toks emptied.
//
//go:noinline
func (o *blockOut) next(toks []token) []token {
	o.flush(toks, false)
	return toks[:0]
}

// flush writes toks as the next block, the last one of the call if last is set.
func (o *blockOut) flush(toks []token, last bool) {
	o.at += o.b.write(o.w, toks, o.src[o.at:], o.final && last)
}

// Zlib writes the zlib stream (RFC 1950) of src to dst: header, DEFLATE data, Adler-32.
func (e *Encoder) Zlib(dst *bytes.Buffer, src []byte) {
	out := binary.BigEndian.AppendUint16(dst.AvailableBuffer(), zlibHeader)
	out = e.AppendDeflate(out, src)
	out = binary.BigEndian.AppendUint32(out, adler32.Checksum(src))
	dst.Write(out)
}
