package deflate

import (
	"math/bits"
	"slices"
)

// huffman builds length-limited canonical Huffman codes. Its scratch space is reused from one
// code to the next.
type huffman struct {
	keys   []uint64 // frequency << 16 | symbol of each symbol in use, to sort
	syms   []int    // symbols in use, least frequent first
	weight []uint64 // tree nodes: the leaves in syms order, then the internal nodes
	parent []int
	depth  []int
	count  [maxDepth + 1]int // leaves at each depth
}

// maxDepth bounds a Huffman tree's depth before limiting: at most 286 symbols.
const maxDepth = 290

// lengths fills lens[s] with the code length of symbol s: an optimal prefix code over freq
// with no code longer than limit bits. Symbols of frequency 0 get 0, except that at least
// two symbols always get a code, because inflaters reject a code of one symbol or none
// (zlib's trees.c forces two the same way).
func (h *huffman) lengths(freq []uint32, limit int, lens []uint8) {
	clear(lens)
	h.keys = h.keys[:0]
	for s, f := range freq {
		if f > 0 {
			h.keys = append(h.keys, uint64(f)<<16|uint64(s))
		}
	}
	for s := 0; len(h.keys) < 2; s++ {
		if freq[s] == 0 {
			h.keys = append(h.keys, uint64(s))
		}
	}
	// By frequency, then by symbol: one sort of packed keys, without a comparison function.
	slices.Sort(h.keys)
	h.syms = h.syms[:0]
	for _, k := range h.keys {
		h.syms = append(h.syms, int(k&0xffff))
	}
	n := len(h.syms)
	h.weight, h.parent = h.weight[:0], h.parent[:0]
	for _, s := range h.syms {
		h.weight = append(h.weight, max(uint64(freq[s]), 1))
		h.parent = append(h.parent, -1)
	}
	// Two queues: leaves in order of weight, and internal nodes, made in order of weight.
	leaf, inner := 0, n
	pick := func() int {
		if leaf < n && (inner >= len(h.weight) || h.weight[leaf] <= h.weight[inner]) {
			leaf++
			return leaf - 1
		}
		inner++
		return inner - 1
	}
	for i := 0; i < n-1; i++ {
		a, b := pick(), pick()
		node := len(h.weight)
		h.weight = append(h.weight, h.weight[a]+h.weight[b])
		h.parent = append(h.parent, -1)
		h.parent[a], h.parent[b] = node, node
	}
	h.depth = slices.Grow(h.depth[:0], len(h.weight))[:len(h.weight)]
	h.count = [maxDepth + 1]int{}
	for i := len(h.weight) - 1; i >= 0; i-- {
		if h.parent[i] < 0 {
			h.depth[i] = 0
		} else {
			h.depth[i] = h.depth[h.parent[i]] + 1
		}
		if i < n {
			h.count[h.depth[i]]++
		}
	}
	// Limit the depth as JPEG's Annex K.3 does: take two leaves from the deepest level,
	// put one of them one level up and, in place of a shallower leaf, a pair below it. The
	// Kraft sum stays exactly 1, so the code stays complete.
	for d := maxDepth; d > limit; d-- {
		for h.count[d] > 0 {
			j := d - 2
			for h.count[j] == 0 {
				j--
			}
			h.count[d] -= 2
			h.count[d-1]++
			h.count[j+1] += 2
			h.count[j]--
		}
	}
	// The least frequent symbols get the longest codes.
	i := 0
	for d := limit; d >= 1; d-- {
		for k := 0; k < h.count[d]; k++ {
			lens[h.syms[i]] = uint8(d)
			i++
		}
	}
}

// canonical fills codes with the canonical code (RFC 1951 3.2.2) of lens, bit-reversed for
// a least-significant-bit-first writer.
func canonical(lens []uint8, codes []uint16) {
	var count, next [16]uint16
	for _, l := range lens {
		count[l]++
	}
	count[0] = 0
	code := uint16(0)
	for l := 1; l < 16; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	for s, l := range lens {
		if l == 0 {
			codes[s] = 0
			continue
		}
		codes[s] = bits.Reverse16(next[l]) >> (16 - l)
		next[l]++
	}
}
