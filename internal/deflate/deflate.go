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
// space between calls (about 200 KiB), so one Encoder serves a goroutine for any number of
// buffers, and the output depends on nothing but the input.
type Encoder struct {
	m    matcher
	b    block
	w    bitWriter
	toks []token
}

// AppendDeflate appends the raw DEFLATE stream (RFC 1951) of src to dst.
func (e *Encoder) AppendDeflate(dst, src []byte) []byte {
	e.w = bitWriter{out: dst}
	e.toks = e.toks[:0]
	start, covered := 0, 0 // input bytes of the blocks written, and of e.toks
	e.m.parse(src, func(t token, n int) {
		e.toks = append(e.toks, t)
		covered += n
		if len(e.toks) == blockSymbols {
			e.b.write(&e.w, e.toks, src[start:start+covered], start+covered == len(src))
			start, covered = start+covered, 0
			e.toks = e.toks[:0]
		}
	})
	if len(e.toks) > 0 || start < len(src) || len(src) == 0 {
		e.b.write(&e.w, e.toks, src[start:], true)
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
