package vmdk

import (
	"bytes"
	"fmt"
	"runtime"
	"sync"

	"github.com/klauspost/compress/zlib"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/deflate"
)

// compressLevel is the fixed zlib level of the streamOptimized grains klauspost/compress
// deflates (entropy between tableBits and entropyBits), fixed so the same disk always gives
// the same bytes. Measured on 64 MiB of /usr/bin and shared libraries in 64 KiB grains with
// klauspost/compress v1.20.3: level 6 gives 2.4% more than qemu-img's zlib -6, level 7 0.6%
// more at 81 MB/s per core, level 9 is 4.5 times slower for 2% less.
const compressLevel = 7

// tableBits is the order-0 entropy (bits per byte) below which a grain goes to
// internal/deflate instead (at its default depth, 8), whose 3-byte matches klauspost/compress
// lacks. Such grains are tables of small records: a kernel's relocations and symbols.
// Measured on the grains with data of a raw-bios disk (Debian's cloud kernel, the Go tree's
// 63 MiB gzipped initrd), in sectors of the file, internal/deflate against compressLevel, on
// one core of an Intel Xeon: the 98 grains below 7 bits, 7809 against 9537 at 38 against
// 91 MB/s; the 15 between 7 and 7.25, 1523 against 1599 at 38 against 109 MB/s; the 217
// between 7.25 and 7.95, 26707 against 26776 (0.3% less) at 36 against 135 MB/s, not worth it.
const tableBits = 7.25

// slot holds one grain in flight: its index, raw bytes and compressed form.
type slot struct {
	index uint64
	raw   []byte
	comp  bytes.Buffer
}

// compressor compresses batches of grains in parallel. Each grain is an independent zlib
// stream, so the result does not depend on how many run at once.
type compressor struct {
	slots    []*slot
	writers  []*zlib.Writer     // per worker, made on first use
	encoders []*deflate.Encoder // per worker, made on first use
}

func newCompressor() *compressor {
	workers := min(runtime.GOMAXPROCS(0), 8)
	c := &compressor{slots: make([]*slot, 4*workers), writers: make([]*zlib.Writer, workers),
		encoders: make([]*deflate.Encoder, workers)}
	for i := range c.slots {
		c.slots[i] = &slot{raw: make([]byte, grainBytes)}
	}
	return c
}

// fill reads the next grains holding data, at most one batch.
func (c *compressor) fill(gs *grainSource) ([]*slot, error) {
	n := 0
	for n < len(c.slots) {
		index, ok, err := gs.nextData(c.slots[n].raw)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		c.slots[n].index = index
		n++
	}
	return c.slots[:n], nil
}

// compress fills every slot's comp with the zlib stream of its raw grain.
func (c *compressor) compress(batch []*slot) error {
	errs := make([]error, len(c.writers))
	var wg sync.WaitGroup
	for w := range c.writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(batch); i += len(c.writers) {
				if err := c.deflate(w, batch[i]); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("vmdk: compress grain: %w", err)
		}
	}
	return nil
}

// deflate fills s.comp with the zlib stream of s.raw, chosen by the grain's entropy: stored
// blocks above entropyBits, internal/deflate below tableBits, else klauspost/compress at
// compressLevel. w is the worker's index.
func (c *compressor) deflate(w int, s *slot) error {
	switch e := entropy(s.raw); {
	case e > entropyBits:
		s.comp.Reset()
		writeStoredZlib(&s.comp, s.raw)
	case e < tableBits:
		if c.encoders[w] == nil {
			c.encoders[w] = new(deflate.Encoder)
		}
		s.comp.Reset()
		c.encoders[w].Zlib(&s.comp, s.raw)
	default:
		return zlibInto(&c.writers[w], compressLevel, &s.comp, s.raw)
	}
	return nil
}
