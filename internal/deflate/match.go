package deflate

import (
	"encoding/binary"
	"math/bits"
)

// The match search follows zlib's level 6 (deflate.c, configuration_table): lazy
// evaluation with the same good, lazy and nice lengths, and TOO_FAR for 3-byte matches. It
// differs in the chains: they link positions by their first 4 bytes, and a table keyed by 3
// bytes holds only the latest position of each hash, usually the nearest 3-byte match (a hash
// collision can hide it, which costs only size). A chain of 3-byte strings spends most of its
// steps on candidates that match 3 bytes and no more; on the Go tree's cpio a depth of 48 over
// 4-byte chains finds what a depth of 128 over 3-byte ones does (66.20 MB against 66.21 MB;
// Encoder.Depth has the figures).
const (
	windowSize   = WindowSize
	windowMask   = windowSize - 1
	maxDist      = windowSize - 1 // keeps every chain link within the part of prev not yet reused
	minMatch     = 3
	maxMatch     = 258
	hashBits     = 16   // of the 4-byte chains' heads
	hash3Bits    = 14   // of the latest-position table for 3-byte matches
	goodLength   = 8    // past a match this long, search a quarter of the chain for a longer one
	maxLazy      = 16   // past a match this long, take it without looking one byte further
	niceLength   = 128  // stop searching at a match this long
	defaultDepth = 8    // Encoder.Depth when it is 0
	tooFar       = 4096 // a 3-byte match farther than this costs more than its literals (zlib's TOO_FAR)
)

// matcher finds earlier occurrences of the string at a position. Positions are stored plus
// one, so 0 ends a chain or marks an empty slot.
type matcher struct {
	head  [1 << hashBits]int32  // latest position of each 4-byte hash
	head3 [1 << hash3Bits]int32 // latest position of each 3-byte hash
	prev  [windowSize]int32     // the previous position of the same 4-byte hash
}

func hash4(b []byte, i int) uint32 {
	return (binary.LittleEndian.Uint32(b[i:]) * 0x9e3779b1) >> (32 - hashBits)
}

func hash3(b []byte, i int) uint32 {
	v := uint32(b[i]) | uint32(b[i+1])<<8 | uint32(b[i+2])<<16
	return (v * 0x9e3779b1) >> (32 - hash3Bits)
}

// insert adds position i, which has at least minMatch bytes after it, and returns the
// previous heads of its 4-byte chain (0 when fewer than 4 bytes follow) and of its 3-byte
// slot.
func (m *matcher) insert(src []byte, i int) (head4, head3 int32) {
	if i+4 <= len(src) {
		h := hash4(src, i)
		head4 = m.head[h]
		m.prev[i&windowMask] = head4
		m.head[h] = int32(i + 1)
	}
	h3 := hash3(src, i)
	head3 = m.head3[h3]
	m.head3[h3] = int32(i + 1)
	return head4, head3
}

// longest returns the longest match for src[pos:] longer than atLeast: the 3-byte slot's
// candidate, then at most chain candidates of the 4-byte chain from head; length 0 if none.
func (m *matcher) longest(src []byte, pos int, head, head3 int32, chain, atLeast int) (length, dist int) {
	limit := min(maxMatch, len(src)-pos)
	if limit < 4 {
		return 0, 0
	}
	best := max(atLeast, minMatch-1)
	nice := min(niceLength, limit)
	if best < minMatch && head3 != 0 {
		c := int(head3 - 1)
		if d := pos - c; d <= tooFar && src[c] == src[pos] && src[c+1] == src[pos+1] && src[c+2] == src[pos+2] {
			best, dist = minMatch, d
		}
	}
	here := binary.LittleEndian.Uint32(src[pos:])
	for cand := head; cand != 0 && chain > 0 && best < limit; chain-- {
		c := int(cand - 1)
		d := pos - c
		if d > maxDist {
			break
		}
		// A longer match must agree on the 4 bytes ending at best and on the first 4 (the
		// hash may collide): two loads reject most candidates.
		q := max(best-3, 0)
		if binary.LittleEndian.Uint32(src[c+q:]) == binary.LittleEndian.Uint32(src[pos+q:]) &&
			binary.LittleEndian.Uint32(src[c:]) == here {
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

// parse appends to toks the literals and matches of src[start:], cut as zlib's deflate_slow
// does: a match found at one position is taken only if the next position has no longer
// one. Matches may reach back into src[:start], the window, up to maxDist. depth is the
// most chain candidates tried per position.
func (m *matcher) parse(toks []token, src []byte, start, depth int) []token {
	clear(m.head[:])
	clear(m.head3[:])
	n := len(src)
	for i := max(0, start-windowSize); i < start && i+minMatch <= n; i++ {
		m.insert(src, i)
	}
	prevLen, prevDist := 0, 0
	pending := false // src[pos-1] is a literal not emitted yet
	for pos := start; pos < n; {
		curLen, curDist := 0, 0
		if pos+minMatch <= n {
			head, head3 := m.insert(src, pos)
			if (head != 0 || head3 != 0) && prevLen < maxLazy {
				chain := depth
				if prevLen >= goodLength {
					chain = max(chain>>2, 1)
				}
				curLen, curDist = m.longest(src, pos, head, head3, chain, prevLen)
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
