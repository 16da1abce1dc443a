package deflate

import (
	"encoding/binary"
	"math/bits"
)

// The match search follows zlib's level 6 (deflate.c, configuration_table): lazy
// evaluation with good, lazy and nice lengths, and TOO_FAR for 3-byte matches. It differs in
// three ways. The chains link positions by their first 4 bytes, and a table keyed
// by 3 bytes holds only the latest position of each hash, usually the nearest 3-byte match (a
// hash collision can hide it, which costs only size): a chain of 3-byte strings spends most of
// its steps on candidates that match 3 bytes and no more. A longer match is preferred only
// when it is worth its distance (worth). And the good and lazy lengths are 4 and 64 instead
// of zlib's 8 and 16: a short search after a match of 4 bytes or more, but a search after
// any match shorter than 64. On the Go tree's cpio at depth 32, zlib's 8 and 16 give 66.14 MB in 3.7 s of CPU,
// 4 and 64 give 66.11 MB in 3.5 s: at depth 32 this is 0.998× zlib's size (Encoder.Depth has
// the figures).
const (
	windowSize   = WindowSize
	windowMask   = windowSize - 1
	maxDist      = windowSize - 1 // keeps every chain link within the part of prev not yet reused
	minMatch     = 3
	maxMatch     = 258
	hashBits     = 16   // of the 4-byte chains' heads
	hash3Bits    = 14   // of the latest-position table for 3-byte matches
	goodLength   = 4    // past a match this long, search a quarter of the chain for a longer one
	maxLazy      = 64   // past a match this long, take it without looking one byte further
	niceLength   = 128  // stop searching at a match this long
	defaultDepth = 8    // Encoder.Depth when it is 0
	tooFar       = 4096 // a 3-byte match farther than this costs more than its literals (zlib's TOO_FAR)
	// The weights of worth when a farther candidate on the chain is longer (chainWeight),
	// and when the match one byte further is longer than the one before it (lazyWeight).
	// Measured on the Go tree's cpio at depth 32 (zlib's good and lazy lengths): with both,
	// 66.14 MB; with lengths alone, as zlib chooses, 66.34 MB.
	chainWeight = 6
	lazyWeight  = 2
)

// matcher finds earlier occurrences of the string at a position. head and head3 store
// positions plus one (0: an empty slot); prev stores distances (0: the end of a chain).
type matcher struct {
	head  [1 << hashBits]int32  // latest position of each 4-byte hash
	head3 [1 << hash3Bits]int32 // latest position of each 3-byte hash
	// prev holds, for each position's slot, how far back the previous position of the
	// same 4-byte hash is (0 ends the chain). 16-bit distances keep it at 64 KiB, near
	// the size of L1, where the chain walk's loads are cheapest.
	prev [windowSize]uint16
}

// hash4 and hash3 are the chain and 3-byte table slots of the 4 bytes v loaded at a position
// (hash3 ignores the last of them).
func hash4(v uint32) uint32 { return (v * 0x9e3779b1) >> (32 - hashBits) }
func hash3(v uint32) uint32 { return ((v << 8) * 0x9e3779b1) >> (32 - hash3Bits) }

// link makes position i, whose first 4 bytes are v, the head of their chain, and returns
// the previous head.
func (m *matcher) link(i int, v uint32) (head4 int32) {
	h := hash4(v)
	head4 = m.head[h]
	d := i + 1 - int(head4)
	if head4 == 0 || d > maxDist {
		d = 0
	}
	m.prev[i&windowMask] = uint16(d)
	m.head[h] = int32(i + 1)
	return head4
}

// insert adds position i, which has at least minMatch bytes after it, and returns the
// previous heads of its 4-byte chain (0 when fewer than 4 bytes follow) and of its 3-byte
// slot.
func (m *matcher) insert(src []byte, i int) (head4, head3 int32) {
	var v uint32
	if i+4 <= len(src) {
		v = binary.LittleEndian.Uint32(src[i:])
		head4 = m.link(i, v)
	} else {
		v = uint32(src[i]) | uint32(src[i+1])<<8 | uint32(src[i+2])<<16
	}
	h3 := hash3(v)
	head3 = m.head3[h3]
	m.head3[h3] = int32(i + 1)
	return head4, head3
}

// insertRun inserts positions from to to-1, as insert does, with the 4-byte and 3-byte
// hashes taken from one load: the positions a match covers, which are never searched.
func (m *matcher) insertRun(src []byte, from, to int) {
	i := from
	for ; i < to && i+4 <= len(src); i++ {
		v := binary.LittleEndian.Uint32(src[i:])
		m.link(i, v)
		m.head3[hash3(v)] = int32(i + 1)
	}
	for ; i < to; i++ {
		m.insert(src, i)
	}
}

// longest returns the best match for src[pos:] longer than atLeast: the 3-byte slot's
// candidate, then at most chain candidates of the 4-byte chain from head, a longer one
// replacing the best so far only if it is worth more at chainWeight; length 0 if none.
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
	if head == 0 || best >= limit || pos-int(head-1) > maxDist {
		if dist == 0 {
			return 0, 0
		}
		return best, dist
	}
	cur := src[pos : pos+limit]
	here := binary.LittleEndian.Uint32(cur)
	q := max(best-3, 0)
	end := binary.LittleEndian.Uint32(src[pos+q:])
	for c := int(head - 1); chain > 0; chain-- {
		// A longer match must agree on the 4 bytes ending at best and on the first 4 (the
		// hash may collide): two loads reject most candidates.
		if binary.LittleEndian.Uint32(src[c+q:]) == end && binary.LittleEndian.Uint32(src[c:]) == here {
			if l := matchLen(src[c:], cur); l > best && (dist == 0 || worth(l, pos-c, chainWeight) > worth(best, dist, chainWeight)) {
				best, dist = l, pos-c
				if l >= nice { // nice is at most limit
					break
				}
				q = best - 3
				end = binary.LittleEndian.Uint32(src[pos+q:])
			}
		}
		step := int(m.prev[c&windowMask])
		if step == 0 {
			break
		}
		if c -= step; pos-c > maxDist {
			break
		}
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

// parse cuts src[start:] into literals and matches, as zlib's deflate_slow does: a match
// found at one position is taken unless the next position has a longer one that is also
// worth more (worth, at lazyWeight). Matches may reach back into src[:start], the window,
// up to maxDist. depth is the most chain candidates tried per position. It hands the
// symbols to out a block of blockSymbols at a time, in toks (whose capacity it reuses), and
// returns toks for the next call.
func (m *matcher) parse(toks []token, src []byte, start, depth int, out *blockOut) []token {
	clear(m.head[:])
	clear(m.head3[:])
	n := len(src)
	for i := max(0, start-maxDist); i < start && i+minMatch <= n; i++ {
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
		if prevLen >= minMatch && (curLen <= prevLen || worth(curLen, curDist, lazyWeight) <= worth(prevLen, prevDist, lazyWeight)) {
			toks = out.add(toks, matchToken(prevLen, prevDist))
			end := pos - 1 + prevLen
			m.insertRun(src, pos+1, min(end, n-minMatch+1))
			pos, prevLen, pending = end, 0, false
			continue
		}
		if pending {
			toks = out.add(toks, token(src[pos-1]))
		}
		pending, prevLen, prevDist = true, curLen, curDist
		pos++
	}
	if pending {
		toks = out.add(toks, token(src[n-1]))
	}
	out.flush(toks, true)
	return toks
}

// worth scores a match for choosing between two: weight bits for each byte it covers, less
// the bits its distance takes (its distance code's extra bits grow by one each time the
// distance doubles). A longer match farther back can cost more than it saves.
func worth(length, dist, weight int) int {
	return weight*length - bits.Len(uint(dist))
}
