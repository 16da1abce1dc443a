package deflate

import (
	"bytes"
	"encoding/binary"
	"hash/adler32"
)

// blockSymbols is the most symbols one block holds, as zlib's default memLevel gives
// (lit_bufsize - 1): short enough that the codes follow changes in the data.
const blockSymbols = 1<<14 - 1

// zlibHeader is a zlib header (RFC 1950) for a 32 KiB window and the default level: 0x789c
// is a multiple of 31, as FCHECK requires.
const zlibHeader = 0x789c

// Encoder compresses buffers one at a time. Its zero value is ready; it keeps only scratch
// space between calls (about 256 KiB, and 4 bytes per symbol of the largest buffer), so one
// Encoder serves a goroutine for any number of buffers, and the output depends on nothing
// but the input.
type Encoder struct {
	m    matcher
	b    block
	w    bitWriter
	toks []token
}

// AppendDeflate appends the raw DEFLATE stream (RFC 1951) of src to dst.
func (e *Encoder) AppendDeflate(dst, src []byte) []byte {
	e.w = bitWriter{out: dst}
	e.toks = e.m.parse(e.toks[:0], src)
	toks, start := e.toks, 0 // start: the input bytes of the blocks written
	for first := true; first || len(toks) > 0; first = false {
		n := min(len(toks), blockSymbols)
		covered := 0
		for _, t := range toks[:n] {
			covered += t.covers()
		}
		e.b.write(&e.w, toks[:n], src[start:start+covered], n == len(toks))
		toks, start = toks[n:], start+covered
	}
	e.w.align()
	return e.w.out
}

// Zlib writes the zlib stream (RFC 1950) of src to dst: header, DEFLATE data, Adler-32.
func (e *Encoder) Zlib(dst *bytes.Buffer, src []byte) {
	out := binary.BigEndian.AppendUint16(dst.AvailableBuffer(), zlibHeader)
	out = e.AppendDeflate(out, src)
	out = binary.BigEndian.AppendUint32(out, adler32.Checksum(src))
	dst.Write(out)
}
