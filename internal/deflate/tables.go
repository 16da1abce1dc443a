package deflate

import "math/bits"

// token is one symbol of the parse: a literal byte (bit 31 clear) or a match of length
// 3..258 at distance 1..32768 (bit 31 set, the distance's code in bits 24..28, length-3 in
// bits 16..23, distance-1 below). The distance code is worked out once, where the match is
// found, since both the block's histogram and its writer need it.
type token uint32

const matchFlag = 1 << 31

func matchToken(length, dist int) token {
	return token(matchFlag | uint32(distCode(dist))<<24 | uint32(length-minMatch)<<16 | uint32(dist-1))
}

func (t token) isMatch() bool  { return t&matchFlag != 0 }
func (t token) lenIndex() int  { return int(t >> 16 & 0xff) } // length - 3
func (t token) distIndex() int { return int(t & 0xffff) }     // distance - 1
func (t token) distCode() int  { return int(t >> 24 & 0x1f) }

// The alphabets of RFC 1951 3.2.5.
const (
	endOfBlock = 256
	litCodes   = 286 // 0..255 literals, 256 end of block, 257..285 lengths
	// fixedCodes is the size of the fixed literal/length code, which also gives lengths to
	// the unused 286 and 287: its canonical codes depend on them.
	fixedCodes = 288
	distCodes  = 30
	clCodes    = 19 // code-length alphabet
)

var (
	lengthBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [distCodes]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [distCodes]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	// clOrder is the order code-length code lengths are sent in.
	clOrder = [clCodes]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

	// lengthCode maps length-3 to its length code less 257.
	lengthCode [maxMatch - minMatch + 1]uint8
	// fixedLit and fixedDist are the lengths of the fixed Huffman codes (3.2.6).
	fixedLit  [fixedCodes]uint8
	fixedDist [distCodes]uint8
)

func init() {
	for c := range 28 {
		for l := int(lengthBase[c]); l < int(lengthBase[c])+1<<lengthExtra[c] && l <= maxMatch; l++ {
			lengthCode[l-minMatch] = uint8(c)
		}
	}
	lengthCode[maxMatch-minMatch] = 28
	for s := range fixedLit {
		switch {
		case s < 144:
			fixedLit[s] = 8
		case s < 256:
			fixedLit[s] = 9
		case s < 280:
			fixedLit[s] = 7
		default:
			fixedLit[s] = 8
		}
	}
	for s := range fixedDist {
		fixedDist[s] = 5
	}
}

// distCode is the distance code of distance d (1..32768).
func distCode(d int) int {
	v := uint32(d - 1)
	if v < 4 {
		return int(v)
	}
	n := bits.Len32(v) - 1 // index of the top bit, ≥ 2
	return 2*n + int(v>>(n-1)&1)
}
