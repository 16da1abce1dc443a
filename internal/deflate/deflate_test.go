package deflate

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"testing"
)

// inputs are the shapes the encoder must get right: empty, one byte, a short input (fixed
// codes, with literals of 9-bit codes), runs, text, random
// (stored blocks), tables of 32-bit records (3-byte matches), and buffers past one block and
// past one stored block.
func inputs() map[string][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 200<<10)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	var text bytes.Buffer
	for text.Len() < 100<<10 {
		text.WriteString("the quick brown fox jumps over the lazy dog ")
		text.WriteByte(byte('a' + r.IntN(26)))
	}
	relocs := make([]byte, 0, 64<<10)
	v := uint32(0x10fb82a8)
	for len(relocs) < 64<<10 {
		v += uint32(8 * (1 + r.IntN(6)))
		relocs = binary.LittleEndian.AppendUint32(relocs, v)
	}
	skewed := make([]byte, 64<<10)
	for i := range skewed {
		skewed[i] = byte(r.NormFloat64() * 6)
	}
	return map[string][]byte{
		"empty":  {},
		"one":    {42},
		"fixed":  []byte("\x90\xc8\xff\xfe\xa0 short: fixed codes, 9-bit literals \xc8\xff\xfe\xa0"),
		"zeros":  make([]byte, 300<<10),
		"run":    bytes.Repeat([]byte("ab"), 40000),
		"text":   text.Bytes(),
		"random": random,
		"relocs": relocs,
		"skewed": skewed,
		"mixed":  append(append(append([]byte{}, relocs...), random[:70<<10]...), text.Bytes()...),
	}
}

// TestRoundTrip decodes every output with the standard library's inflater, in both frames,
// and checks the output is no larger than stored blocks would be.
func TestRoundTrip(t *testing.T) {
	var e Encoder
	for name, in := range inputs() {
		raw := e.AppendDeflate(nil, in)
		got, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
		if err != nil || !bytes.Equal(got, in) {
			t.Fatalf("%s: raw deflate round trip: %v (%d of %d bytes)", name, err, len(got), len(in))
		}
		// A block of at most blockSymbols symbols is never longer than the same bytes stored.
		if stored := len(in) + 5*max(1, (len(in)+blockSymbols-1)/blockSymbols); len(raw) > stored {
			t.Errorf("%s: %d bytes, more than the %d of stored blocks", name, len(raw), stored)
		}
		var z bytes.Buffer
		z.WriteString("prefix")
		e.Zlib(&z, in)
		zr, err := zlib.NewReader(bytes.NewReader(z.Bytes()[len("prefix"):]))
		if err != nil {
			t.Fatalf("%s: zlib header: %v", name, err)
		}
		if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, in) {
			t.Fatalf("%s: zlib round trip: %v", name, err)
		}
		t.Logf("%s: %d → %d bytes", name, len(in), len(raw))
	}
}

// TestDeterministic: the same input gives the same bytes from a fresh and a used Encoder.
func TestDeterministic(t *testing.T) {
	in := inputs()
	var used Encoder
	for _, name := range []string{"relocs", "random", "text", "relocs"} {
		var fresh Encoder
		if a, b := fresh.AppendDeflate(nil, in[name]), used.AppendDeflate(nil, in[name]); !bytes.Equal(a, b) {
			t.Fatalf("%s: a used Encoder wrote different bytes", name)
		}
	}
}

// TestThreeByteMatches: on a table of 32-bit records the output beats the standard
// library's best level, whose shortest match is 4 bytes.
func TestThreeByteMatches(t *testing.T) {
	in := inputs()["relocs"]
	var e Encoder
	ours := len(e.AppendDeflate(nil, in))
	var std bytes.Buffer
	fw, _ := flate.NewWriter(&std, flate.BestCompression)
	_, _ = fw.Write(in)
	_ = fw.Close()
	if ours >= std.Len() {
		t.Fatalf("relocation table: ours %d bytes, standard library level 9 %d", ours, std.Len())
	}
	t.Logf("relocation table: ours %d bytes, standard library level 9 %d", ours, std.Len())
}

// TestLengthLimit: a skewed (Fibonacci) histogram whose optimal Huffman code is deeper than
// 15 bits still gives a valid, complete code within the limit.
func TestLengthLimit(t *testing.T) {
	freq := make([]uint32, 30)
	a, b := uint32(1), uint32(1)
	for i := range freq {
		freq[i] = a
		a, b = b, a+b
	}
	var h huffman
	lens := make([]uint8, len(freq))
	h.lengths(freq, 15, lens)
	kraft := 0
	for _, l := range lens {
		if l == 0 || l > 15 {
			t.Fatalf("length %d out of 1..15: %v", l, lens)
		}
		kraft += 1 << (15 - l)
	}
	if kraft != 1<<15 {
		t.Fatalf("Kraft sum %d/%d: the code is not complete: %v", kraft, 1<<15, lens)
	}
	// And in a stream: a block with that many distinct, skewed literals decodes.
	var in []byte
	for s, f := range freq {
		for range min(f, 5000) {
			in = append(in, byte(s))
		}
	}
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
	var e Encoder
	got, err := io.ReadAll(flate.NewReader(bytes.NewReader(e.AppendDeflate(nil, in))))
	if err != nil || !bytes.Equal(got, in) {
		t.Fatalf("round trip: %v", err)
	}
}

// TestFixedCodes writes every literal and a match of every length code with the fixed codes,
// whatever would be shorter, and decodes them.
func TestFixedCodes(t *testing.T) {
	var in []byte
	var toks []token
	for c := range 256 {
		in = append(in, byte(c))
		toks = append(toks, token(c))
	}
	for l := minMatch; l <= maxMatch; l += 17 {
		for range l {
			in = append(in, in[len(in)-200])
		}
		toks = append(toks, matchToken(l, 200))
	}
	var b block
	w := bitWriter{}
	b.writeHuffman(&w, toks, true, true)
	w.align()
	got, err := io.ReadAll(flate.NewReader(bytes.NewReader(w.out)))
	if err != nil || !bytes.Equal(got, in) {
		t.Fatalf("fixed-code block: %v (%d of %d bytes)", err, len(got), len(in))
	}
}

// FuzzRoundTrip: any input decodes back to itself.
func FuzzRoundTrip(f *testing.F) {
	for _, in := range inputs() {
		f.Add(in[:min(len(in), 4096)])
	}
	var e Encoder
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := io.ReadAll(flate.NewReader(bytes.NewReader(e.AppendDeflate(nil, in))))
		if err != nil || !bytes.Equal(got, in) {
			t.Fatalf("round trip of %d bytes: %v", len(in), err)
		}
	})
}
