package initrd

import (
	"archive/tar"
	"fmt"
	"io"
	"runtime"

	"github.com/klauspost/pgzip"
)

const (
	// DefaultBlockSize is the gzip block size: the input is cut into blocks of exactly this
	// many bytes, each compressed on its own (with the previous block's tail as dictionary).
	// It is a constant so the output never depends on the machine.
	DefaultBlockSize = 1 << 20
	// DefaultLevel is the gzip level used when Options.Level is 0. Chosen on a real tree (the
	// Go 1.26 distribution without *.a: 16.7k files, a 235 MB cpio) against
	// find|sort|cpio|pigz -6 (66.2 MB) on 2 cores, with klauspost/compress v1.20.3 and 1 MiB
	// blocks (bench/results.md has the table):
	//
	//	level    size      ratio   user CPU (pigz -6: 8.7 s)
	//	default  69.5 MB   1.049   (level 5's bytes)
	//	6        68.5 MB   1.034   3.0 s
	//	7        67.6 MB   1.020   4.4–5.7 s
	//	8        66.9 MB   1.010   6.5–7.7 s
	//	9        66.5 MB   1.004   24.3 s
	//
	// No level reaches pigz's size: Go's deflate encoders never emit 3-byte matches, which
	// zlib does. Level 7 keeps the wall time well under half of the pigz pipeline's. The
	// block size hardly matters (256 KiB to 4 MiB within 0.05%).
	DefaultLevel = 7
	// maxDefaultConcurrency caps the default concurrency, so memory stays bounded on big
	// machines: each block in flight holds about two block sizes.
	maxDefaultConcurrency = 8
)

// Options tune Write. Use DefaultOptions and change fields: the zero value writes an
// uncompressed archive.
type Options struct {
	// Compress gzips the archive (DefaultOptions: true). Without it the raw cpio is written.
	Compress bool
	// BlockSize is the gzip block size in bytes; 0 means DefaultBlockSize. The output bytes
	// depend on it (and on Level), never on Concurrency.
	BlockSize int
	// Concurrency is the number of blocks compressed at once; 0 means GOMAXPROCS, at most 8.
	// Memory use is about 2 × BlockSize × Concurrency.
	Concurrency int
	// Level is the gzip level, 1 (fastest) to 9 (smallest); 0 means DefaultLevel.
	Level int
	// Boot, when set, receives the entries whose path starts with "boot/" (boot/kernel,
	// boot/cmdline, boot/ucode.cpio in a linuxkit image) instead of the archive, as linuxkit
	// splits them off. It must consume what it needs of r before returning. When Boot is
	// nil, those entries go into the archive like any other.
	Boot func(hdr *tar.Header, r io.Reader) error
}

// DefaultOptions returns the options the builder uses: gzip on, DefaultBlockSize,
// DefaultLevel and the default concurrency.
func DefaultOptions() Options {
	return Options{Compress: true, BlockSize: DefaultBlockSize, Level: DefaultLevel}
}

// Write reads the tar stream and writes it to dst as a newc cpio archive, gzipped when
// opts.Compress is set. Entries are written in the tar's order. Hardlinks become relative
// symlinks, as in linuxkit. Tar global headers are skipped; any other entry type the
// kernel cannot unpack is an error. Write streams: memory does not grow with the image.
func Write(dst io.Writer, tarStream io.Reader, opts Options) error {
	if !opts.Compress {
		return copyTar(NewCPIOWriter(dst), tarStream, opts.Boot)
	}
	zw, err := newGzip(dst, opts)
	if err != nil {
		return err
	}
	if err := copyTar(NewCPIOWriter(zw), tarStream, opts.Boot); err != nil {
		_ = zw.Close() // stops the compressor goroutines; the first error is the one to report
		return err
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("initrd: gzip: %w", err)
	}
	return nil
}

func newGzip(dst io.Writer, opts Options) (*pgzip.Writer, error) {
	level := opts.Level
	if level == 0 {
		level = DefaultLevel
	}
	if level != DefaultLevel && (level < 1 || level > 9) {
		return nil, fmt.Errorf("initrd: gzip level %d out of range 1..9", opts.Level)
	}
	blockSize := opts.BlockSize
	if blockSize == 0 {
		blockSize = DefaultBlockSize
	}
	conc := opts.Concurrency
	if conc == 0 {
		conc = min(runtime.GOMAXPROCS(0), maxDefaultConcurrency)
	}
	if conc < 0 {
		return nil, fmt.Errorf("initrd: concurrency %d is negative", conc)
	}
	zw, err := pgzip.NewWriterLevel(dst, level)
	if err != nil {
		return nil, fmt.Errorf("initrd: gzip: %w", err)
	}
	if err := zw.SetConcurrency(blockSize, conc); err != nil {
		return nil, fmt.Errorf("initrd: gzip block size %d: %w", blockSize, err)
	}
	return zw, nil
}
