package initrd

import (
	"archive/tar"
	"fmt"
	"io"
	"runtime"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/deflate"
)

const (
	// DefaultBlockSize is the gzip block size: the input is cut into blocks of exactly this
	// many bytes, each compressed on its own (with the previous block's tail as dictionary).
	// It is a constant so the output never depends on the machine.
	DefaultBlockSize = 1 << 20
	// DefaultLevel is the gzip level used when Options.Level is 0. Its depth, 32, is the
	// lowest that gives no more than pigz -6 on a real tree with some margin: on the cpio of
	// the Go 1.26 distribution without *.a (16.7k files, 235 MB), 66.11 MB against pigz -6's
	// 66.24 (depth 24 gives 66.27; levelDepth maps the levels, deflate.Encoder.Depth has the
	// table). The whole tar → cpio.gz pass of that tree takes 2.0 s on 2 cores against 3.3 s
	// for find|sort|cpio|pigz -6; klauspost/compress at level 7, which this package used
	// before, takes 0.75× the CPU but gives 1.020× pigz's size, and its level 9 1.004× in
	// 24 s of CPU: it never emits the 3-byte matches zlib finds.
	DefaultLevel = 6
	// maxDefaultConcurrency caps the default concurrency, so memory stays bounded on big
	// machines: each unit of concurrency holds about four block sizes (two blocks, input and output).
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
	// Memory use is about (4 × Concurrency + 4) × BlockSize, plus 420 KiB per
	// unit of Concurrency (deflate.NewGzipWriter).
	Concurrency int
	// Level is the gzip level, 1 (fastest) to 9 (smallest); 0 means DefaultLevel. The
	// output bytes depend on it.
	Level int
	// Fast compresses with klauspost/compress at FastLevel instead of internal/deflate, and
	// ignores Level: 0.75× the CPU for 2% more bytes on a real tree (DefaultLevel has the
	// figures). The output bytes depend on it.
	Fast bool
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
		_ = zw.Close() // waits for the blocks in flight; the first error is the one to report
		return err
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("initrd: gzip: %w", err)
	}
	return nil
}

// levelDepth maps a gzip level to deflate.Encoder's depth (DefaultLevel has the figures).
var levelDepth = [10]int{1: 4, 2: 8, 3: 12, 4: 16, 5: 24, 6: 32, 7: 48, 8: 128, 9: 256}

func newGzip(dst io.Writer, opts Options) (*deflate.GzipWriter, error) {
	level := opts.Level
	if level == 0 {
		level = DefaultLevel
	}
	if level < 1 || level > 9 {
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
	if blockSize < 64<<10 || blockSize > 64<<20 {
		return nil, fmt.Errorf("initrd: gzip block size %d is outside 64 KiB to 64 MiB", blockSize)
	}
	newEncoder := func() deflate.PartEncoder { return &deflate.Encoder{Depth: levelDepth[level]} }
	if opts.Fast {
		newEncoder = newFastEncoder
	}
	zw, err := deflate.NewGzipWriterWith(dst, blockSize, conc, newEncoder)
	if err != nil {
		return nil, fmt.Errorf("initrd: gzip: %w", err)
	}
	return zw, nil
}
