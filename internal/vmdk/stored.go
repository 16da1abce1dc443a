package vmdk

import (
	"bytes"
	"encoding/binary"
	"hash/adler32"
	"math"

	"github.com/klauspost/compress/zlib"
)

// Grains that deflate cannot shrink much (an already-gzipped initrd, a compressed kernel,
// encrypted data) are written as stored deflate blocks inside a valid zlib stream: deflating
// them at compressLevel costs most of a conversion's time and gains next to nothing. The
// choice is a pure function of the grain's bytes, so the output stays deterministic.
const (
	// entropyBits is the order-0 entropy (bits per byte) above which a grain is stored.
	// Measured on the 963 such grains of a raw-bios disk holding a 69 MB gzipped initrd (of
	// 1281 grains with data): stored, 124227 sectors; Huffman coding only, 124149 at 150 MB/s
	// per core; compressLevel, 123466 (0.6% less) at 45 MB/s; qemu-img's zlib -6, 123329. Of
	// what compressLevel saves, 500 sectors come from the 385 grains between 7.95 and 7.99
	// bits: not worth a deflate at a third of qemu-img's speed. Measured again on the 943
	// grains above 7.95 bits of a raw-bios disk of Debian's cloud kernel and the Go tree's
	// 64 MiB gzipped initrd: stored, 121647 sectors; compressLevel, 120927 for 790 ms of CPU;
	// internal/deflate, 120777 (what qemu-img writes) for 1.7 s. Storing them costs 0.9% of
	// the file, which stays within 1% of qemu-img's.
	entropyBits = 7.95
	// storedZlibHeader is a zlib header (RFC 1950) for a 32 KiB window and "fastest"
	// compression: 0x7801 is a multiple of 31, as FCHECK requires.
	storedZlibHeader = 0x7801
	// maxStoredBlock is the most bytes one stored deflate block holds (LEN is 16 bits).
	maxStoredBlock = 0xffff
)

// entropy is the order-0 entropy of b in bits per byte: 8 for a uniform byte histogram.
func entropy(b []byte) float64 {
	var hist [256]uint32
	for _, c := range b {
		hist[c]++
	}
	// H = log2(n) - (1/n) Σ c·log2(c)
	n := float64(len(b))
	var sum float64
	for _, c := range hist {
		if c > 1 {
			f := float64(c)
			sum += f * math.Log2(f)
		}
	}
	return math.Log2(n) - sum/n
}

// storedZlibLen is the length of writeStoredZlib's output for n bytes.
func storedZlibLen(n int) int {
	blocks := max((n+maxStoredBlock-1)/maxStoredBlock, 1)
	return 2 + 5*blocks + n + 4
}

// writeStoredZlib writes b to dst as a zlib stream of stored deflate blocks: the header,
// blocks of at most maxStoredBlock bytes (the last one final), and the Adler-32 of b.
func writeStoredZlib(dst *bytes.Buffer, b []byte) {
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], adler32.Checksum(b))
	var hdr [5]byte
	binary.BigEndian.PutUint16(hdr[:2], storedZlibHeader)
	dst.Write(hdr[:2])
	for first := true; first || len(b) > 0; first = false {
		n := min(len(b), maxStoredBlock)
		hdr[0] = 0 // BFINAL 0, BTYPE 00 (stored); the rest of the byte pads to a boundary
		if n == len(b) {
			hdr[0] = 1
		}
		binary.LittleEndian.PutUint16(hdr[1:], uint16(n))
		binary.LittleEndian.PutUint16(hdr[3:], ^uint16(n))
		dst.Write(hdr[:])
		dst.Write(b[:n])
		b = b[n:]
	}
	dst.Write(sum[:])
}

// zlibInto compresses b into dst (reset first) with *zw, made at level on first use.
func zlibInto(zw **zlib.Writer, level int, dst *bytes.Buffer, b []byte) error {
	dst.Reset()
	if *zw == nil {
		w, err := zlib.NewWriterLevel(dst, level)
		if err != nil {
			return err
		}
		*zw = w
	} else {
		(*zw).Reset(dst)
	}
	if _, err := (*zw).Write(b); err != nil {
		return err
	}
	return (*zw).Close()
}
