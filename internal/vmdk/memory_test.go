package vmdk

import (
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// genReader streams size bytes: 1 MiB of data, then 1 MiB of zeros, and so on. The data comes
// from a 4 MiB random pattern (stored, not compressed: fast), and sample runs every 8 MiB.
type genReader struct {
	pattern []byte
	size    int64
	off     int64
	next    int64
	sample  func()
}

func newGenReader(size int64, sample func()) *genReader {
	r := rand.New(rand.NewPCG(3, 4))
	return &genReader{pattern: fill(r, 4<<20, 'r'), size: size, sample: sample}
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.off >= g.size {
		return 0, io.EOF
	}
	if g.sample != nil && g.off >= g.next {
		g.sample()
		g.next += 8 << 20
	}
	n := int(min(int64(len(p)), g.size-g.off, 1<<20-g.off%(1<<20)))
	if (g.off>>20)%2 == 1 {
		clear(p[:n])
	} else {
		copy(p[:n], g.pattern[(g.off*7)%(3<<20):])
	}
	g.off += int64(n)
	return n, nil
}

// discardSeeker is an io.WriteSeeker that keeps nothing, so only the writer's own memory shows.
type discardSeeker struct{ pos, size int64 }

func (d *discardSeeker) Write(p []byte) (int, error) {
	d.pos += int64(len(p))
	d.size = max(d.size, d.pos)
	return len(p), nil
}

func (d *discardSeeker) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		off += d.pos
	case io.SeekEnd:
		off += d.size
	}
	d.pos = off
	return off, nil
}

// TestMemoryFlat streams 256 MiB (half data, half zeros) into a 1 GiB disk of each subformat
// and checks the live heap: grain tables and a few grains, never the disk.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("256 MiB stream")
	}
	for _, compressed := range []bool{false, true} {
		opts := Options{Compressed: compressed}
		runtime.GC()
		var peak uint64
		sample := func() {
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
		ds := &discardSeeker{}
		if err := Write(ds, newGenReader(256<<20, sample), 1<<30, opts); err != nil {
			t.Fatal(err)
		}
		sample()
		t.Logf("%s: 256 MiB in, %d bytes out, peak live heap %.1f MiB", opts.Subformat(), ds.size, float64(peak)/(1<<20))
		if peak > 48<<20 {
			t.Errorf("%s: peak live heap %d MiB: memory grows with the disk", opts.Subformat(), peak>>20)
		}
	}
}

// BenchmarkWrite converts a 64 MiB disk (machine code from the test binary, holes between)
// into each subformat, writing a real file.
func BenchmarkWrite(b *testing.B) {
	var regions []region
	for off := int64(0); off < 60<<20; off += 4 << 20 {
		regions = append(regions, region{off, 3 << 20, 'x'})
	}
	disk := newFixtureDisk(b, 64<<20, 1, regions)
	for _, compressed := range []bool{false, true} {
		opts := Options{Compressed: compressed}
		b.Run(opts.Subformat(), func(b *testing.B) {
			p := filepath.Join(b.TempDir(), "bench.vmdk")
			b.SetBytes(disk.size)
			for range b.N {
				f, err := os.Create(p)
				if err != nil {
					b.Fatal(err)
				}
				if err := Write(f, disk.reader(), disk.size, opts); err != nil {
					b.Fatal(err)
				}
				if err := f.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(fileSize(b, p))/float64(disk.size), "ratio")
		})
	}
}
