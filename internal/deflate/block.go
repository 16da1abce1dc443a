package deflate

import "encoding/binary"

// bitWriter appends bits to out, least significant bit first (RFC 1951 3.1.1).
type bitWriter struct {
	out []byte
	acc uint64
	n   uint // bits in acc
}

func (w *bitWriter) bits(v uint32, n uint8) {
	w.acc |= uint64(v) << w.n
	w.n += uint(n)
	if w.n >= 32 {
		w.out = binary.LittleEndian.AppendUint32(w.out, uint32(w.acc))
		w.acc >>= 32
		w.n -= 32
	}
}

// align pads with zero bits to a byte boundary and moves every whole byte to out.
func (w *bitWriter) align() {
	w.n = (w.n + 7) &^ 7
	for ; w.n > 0; w.n -= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
	}
}

// bitLen is the number of bits written so far.
func (w *bitWriter) bitLen() int { return 8*len(w.out) + int(w.n) }

// block holds the symbols of one block and the codes it is written with.
type block struct {
	litFreq  [litCodes]uint32
	distFreq [distCodes]uint32
	litLen   [fixedCodes]uint8
	distLen  [distCodes]uint8
	litCode  [fixedCodes]uint16
	distCode [distCodes]uint16
	// lenBits holds, for each match length less 3, its length code followed by its extra
	// bits, as one value to write, and lenN their number: a match is then two writes.
	lenBits [maxMatch - minMatch + 1]uint32
	lenN    [maxMatch - minMatch + 1]uint8
	// The code lengths of both codes, run-length coded (3.2.7): symbols 0..18, and the
	// extra-bit values of 16, 17 and 18.
	cl      []uint8
	clExtra []uint8
	clFreq  [clCodes]uint32
	clLen   [clCodes]uint8
	clCode  [clCodes]uint16
	hlit    int
	hdist   int
	hclen   int
	h       huffman
}

// write writes toks, which stand for the start of src, as one block (or a run of stored
// blocks when they cover more than one holds), choosing whichever of dynamic, fixed and
// stored is shortest. It returns the number of bytes of src they cover.
func (b *block) write(w *bitWriter, toks []token, src []byte, final bool) int {
	b.litFreq, b.distFreq = [litCodes]uint32{}, [distCodes]uint32{}
	b.litFreq[endOfBlock] = 1
	extra := 0 // extra bits of lengths and distances, the same in either Huffman form
	covered := 0
	for _, t := range toks {
		if !t.isMatch() {
			b.litFreq[t]++
			covered++
			continue
		}
		l, dc := t.lenIndex(), t.distCode()
		lc := lengthCode[l]
		b.litFreq[257+int(lc)]++
		b.distFreq[dc]++
		extra += int(lengthExtra[lc]) + int(distExtra[dc])
		covered += l + minMatch
	}
	raw := src[:covered]
	b.litLen = [fixedCodes]uint8{}
	b.h.lengths(b.litFreq[:], 15, b.litLen[:litCodes])
	b.h.lengths(b.distFreq[:], 15, b.distLen[:])
	dynamic := 3 + b.header() + extra + b.cost(b.litLen[:], b.distLen[:])
	fixed := 3 + extra + b.cost(fixedLit[:], fixedDist[:])
	if s := storedBits(w.bitLen(), len(raw)); s <= min(dynamic, fixed) {
		writeStored(w, raw, final)
		return covered
	}
	b.writeHuffman(w, toks, final, fixed < dynamic)
	return covered
}

// writeHuffman writes toks as a block of the fixed codes or, when fixed is false, of the
// dynamic codes header measured.
func (b *block) writeHuffman(w *bitWriter, toks []token, final, fixed bool) {
	finalBit := uint32(0)
	if final {
		finalBit = 1
	}
	if fixed {
		w.bits(finalBit|1<<1, 3)
		b.litLen, b.distLen = fixedLit, fixedDist
	} else {
		w.bits(finalBit|2<<1, 3)
		b.writeHeader(w)
	}
	canonical(b.litLen[:], b.litCode[:])
	canonical(b.distLen[:], b.distCode[:])
	for i, lc := range lengthCode {
		n := b.litLen[257+int(lc)]
		b.lenBits[i] = uint32(b.litCode[257+int(lc)]) | uint32(i+minMatch-int(lengthBase[lc]))<<n
		b.lenN[i] = n + lengthExtra[lc]
	}
	for _, t := range toks {
		if !t.isMatch() {
			w.bits(uint32(b.litCode[t]), b.litLen[t])
			continue
		}
		l, d, dc := t.lenIndex(), t.distIndex(), t.distCode()
		w.bits(b.lenBits[l], b.lenN[l])
		n := b.distLen[dc]
		w.bits(uint32(b.distCode[dc])|uint32(d+1-int(distBase[dc]))<<n, n+distExtra[dc])
	}
	w.bits(uint32(b.litCode[endOfBlock]), b.litLen[endOfBlock])
}

// cost is the bits of the block's Huffman symbols (not their extra bits) under the lengths.
func (b *block) cost(litLen, distLen []uint8) int {
	n := 0
	for s, f := range b.litFreq {
		n += int(f) * int(litLen[s])
	}
	for s, f := range b.distFreq {
		n += int(f) * int(distLen[s])
	}
	return n
}

// header run-length codes the two codes' lengths, builds the code-length code and returns
// the bits of a dynamic block's header after its first three.
func (b *block) header() int {
	b.hlit = litCodes
	for b.hlit > 257 && b.litLen[b.hlit-1] == 0 {
		b.hlit--
	}
	b.hdist = distCodes
	for b.hdist > 1 && b.distLen[b.hdist-1] == 0 {
		b.hdist--
	}
	var all [litCodes + distCodes]uint8
	n := copy(all[:], b.litLen[:b.hlit])
	n += copy(all[n:], b.distLen[:b.hdist])
	b.cl, b.clExtra = b.cl[:0], b.clExtra[:0]
	b.clFreq = [clCodes]uint32{}
	put := func(sym, extra uint8) {
		b.cl = append(b.cl, sym)
		b.clExtra = append(b.clExtra, extra)
		b.clFreq[sym]++
	}
	for i := 0; i < n; {
		v, run := all[i], 1
		for i+run < n && all[i+run] == v {
			run++
		}
		i += run
		if v == 0 {
			for ; run >= 11; run -= min(run, 138) {
				put(18, uint8(min(run, 138)-11))
			}
			if run >= 3 {
				put(17, uint8(run-3))
				run = 0
			}
		} else {
			put(v, 0)
			for run--; run >= 3; run -= min(run, 6) {
				put(16, uint8(min(run, 6)-3))
			}
		}
		for ; run > 0; run-- {
			put(v, 0)
		}
	}
	b.h.lengths(b.clFreq[:], 7, b.clLen[:])
	b.hclen = clCodes
	for b.hclen > 4 && b.clLen[clOrder[b.hclen-1]] == 0 {
		b.hclen--
	}
	bitsN := 5 + 5 + 4 + 3*b.hclen
	for _, s := range b.cl {
		bitsN += int(b.clLen[s]) + clExtraBits(s)
	}
	return bitsN
}

func clExtraBits(sym uint8) int {
	switch sym {
	case 16:
		return 2
	case 17:
		return 3
	case 18:
		return 7
	}
	return 0
}

// writeHeader writes what header measured.
func (b *block) writeHeader(w *bitWriter) {
	w.bits(uint32(b.hlit-257), 5)
	w.bits(uint32(b.hdist-1), 5)
	w.bits(uint32(b.hclen-4), 4)
	for _, s := range clOrder[:b.hclen] {
		w.bits(uint32(b.clLen[s]), 3)
	}
	canonical(b.clLen[:], b.clCode[:])
	for i, s := range b.cl {
		w.bits(uint32(b.clCode[s]), b.clLen[s])
		if e := clExtraBits(s); e > 0 {
			w.bits(uint32(b.clExtra[i]), uint8(e))
		}
	}
}

// maxStored is the most bytes one stored block holds (LEN is 16 bits).
const maxStored = 0xffff

// storedBits is the bits raw takes as stored blocks written from bit position at.
func storedBits(at, n int) int {
	total := 0
	for first := true; first || n > 0; first = false {
		k := min(n, maxStored)
		pad := (8 - (at+total+3)%8) % 8
		total += 3 + pad + 32 + 8*k
		n -= k
	}
	return total
}

// writeStored writes raw as stored blocks, the last one final if final is set.
func writeStored(w *bitWriter, raw []byte, final bool) {
	for first := true; first || len(raw) > 0; first = false {
		k := min(len(raw), maxStored)
		finalBit := uint32(0)
		if final && k == len(raw) {
			finalBit = 1
		}
		w.bits(finalBit, 3) // BTYPE 00
		w.align()
		w.out = append(w.out, byte(k), byte(k>>8), ^byte(k), ^byte(k>>8))
		w.out = append(w.out, raw[:k]...)
		raw = raw[k:]
	}
}
