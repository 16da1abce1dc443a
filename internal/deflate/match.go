package deflate

import (
	"encoding/binary"
	"math/bits"
)

// The match search: zlib's level 6 limits (deflate.c, configuration_table) but for a chain
// of 8 candidates instead of 128. Measured on the 41 grains of relocation and symbol tables of
// Debian's cloud kernel: 2328 sectors against 2329 at 128, at 1.5 times the speed.
const (
	windowSize = 1 << 15
	windowMask = windowSize - 1
	maxDist    = windowSize - 1 // keeps every chain link within the part of prev not yet reused
	minMatch   = 3
	maxMatch   = 258
	hashBits   = 15
	goodLength = 8    // past a match this long, search a quarter of the chain for a longer one
	maxLazy    = 16   // past a match this long, take it without looking one byte further
	niceLength = 128  // stop searching at a match this long
	maxChain   = 8    // candidates tried per position
	tooFar     = 4096 // a 3-byte match farther than this costs more than its literals (zlib's TOO_FAR)
)

// matcher finds earlier occurrences of the string at a position through hash chains.
// Positions are stored plus one, so 0 ends a chain.
type matcher struct {
	head [1 << hashBits]int32
	prev [windowSize]int32
}

func hash3(b []byte, i int) uint32 {
	v := uint32(b[i]) | uint32(b[i+1])<<8 | uint32(b[i+2])<<16
	return (v * 0x9e3779b1) >> (32 - hashBits)
}

// insert adds position i (which has at least minMatch bytes after it) and returns the
// previous head of its chain.
func (m *matcher) insert(src []byte, i int) int32 {
	h := hash3(src, i)
	p := m.head[h]
	m.prev[i&windowMask] = p
	m.head[h] = int32(i + 1)
	return p
}

// longest returns the longest match for src[pos:] among at most chain candidates starting
// at head, if it is longer than atLeast; length 0 otherwise.
func (m *matcher) longest(src []byte, pos int, head int32, chain, atLeast int) (length, dist int) {
	limit := min(maxMatch, len(src)-pos)
	best := max(atLeast, minMatch-1)
	nice := min(niceLength, limit)
	for cand := head; cand != 0 && chain > 0 && best < limit; chain-- {
		c := int(cand - 1)
		d := pos - c
		if d > maxDist {
			break
		}
		if src[c+best] == src[pos+best] {
			if l := matchLen(src[c:], src[pos:pos+limit]); l > best {
				best, dist = l, d
				if l >= nice {
					break
				}
			}
		}
		cand = m.prev[c&windowMask]
	}
	if dist == 0 {
		return 0, 0
	}
	return best, dist
}

// matchLen is the length of the common prefix of a and b; len(a) >= len(b).
func matchLen(a, b []byte) int {
	n := 0
	for len(b)-n >= 8 {
		if x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:]); x != 0 {
			return n + bits.TrailingZeros64(x)/8
		}
		n += 8
	}
	for n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// parse appends to toks the literals and matches of src, cut as zlib's deflate_slow does: a
// match found at one position is taken only if the next position has no longer one.
func (m *matcher) parse(toks []token, src []byte) []token {
	clear(m.head[:])
	n := len(src)
	prevLen, prevDist := 0, 0
	pending := false // src[pos-1] is a literal not emitted yet
	for pos := 0; pos < n; {
		curLen, curDist := 0, 0
		if pos+minMatch <= n {
			head := m.insert(src, pos)
			if head != 0 && prevLen < maxLazy {
				chain := maxChain
				if prevLen >= goodLength {
					chain >>= 2
				}
				curLen, curDist = m.longest(src, pos, head, chain, prevLen)
				if curLen == minMatch && curDist > tooFar {
					curLen = 0 // a far 3-byte match costs more than its literals
				}
			}
		}
		if prevLen >= minMatch && curLen <= prevLen {
			toks = append(toks, matchToken(prevLen, prevDist))
			end := pos - 1 + prevLen
			for i := pos + 1; i < end && i+minMatch <= n; i++ {
				m.insert(src, i)
			}
			pos, prevLen, pending = end, 0, false
			continue
		}
		if pending {
			toks = append(toks, token(src[pos-1]))
		}
		pending, prevLen, prevDist = true, curLen, curDist
		pos++
	}
	if pending {
		toks = append(toks, token(src[n-1]))
	}
	return toks
}
