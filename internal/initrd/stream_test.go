package initrd

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os/exec"
	"runtime"
	"testing"
)

// pattern is 4 MiB of text-like bytes (16 symbols, so gzip halves it), built once.
var pattern = func() []byte {
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "abcdefghij \n/._-"
	b := make([]byte, 4<<20)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return b
}()

// genTar streams a deterministic tar of about total bytes: a directory every 64 files and
// files of 1 MiB minus a little, so sizes are not 4-aligned. It calls sample every 8 MiB.
func genTar(w io.Writer, total int64, sample func()) error {
	tw := tar.NewWriter(w)
	var written, next int64
	for i := 0; written < total; i++ {
		if i%64 == 0 {
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: fmt.Sprintf("d%03d/", i/64),
				Mode: 0o755, ModTime: fixedTime}); err != nil {
				return err
			}
		}
		size := int64(1<<20 - i%7)
		off := (int64(i) * 7919) % int64(len(pattern)-int(size))
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: fmt.Sprintf("d%03d/f%05d", i/64, i),
			Mode: 0o644, Size: size, ModTime: fixedTime}); err != nil {
			return err
		}
		if _, err := tw.Write(pattern[off : off+size]); err != nil {
			return err
		}
		written += size
		if sample != nil && written >= next {
			sample()
			next += 8 << 20
		}
	}
	return tw.Close()
}

// pipeTar runs genTar into a pipe and returns the reading end.
func pipeTar(t testing.TB, total int64, sample func()) io.Reader {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(genTar(pw, total, sample)) }()
	t.Cleanup(func() { pr.Close() })
	return pr
}

// digestOf writes a generated tar with opts and returns the output's sha256.
func digestOf(t *testing.T, total int64, opts Options) string {
	t.Helper()
	h := sha256.New()
	if err := Write(h, pipeTar(t, total, nil), opts); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestOutputIndependentOfConcurrency: the bytes depend on the block size only, never on
// GOMAXPROCS or Concurrency.
func TestOutputIndependentOfConcurrency(t *testing.T) {
	const total = 8 << 20 // 8+ gzip blocks, more than any concurrency used here
	prev := runtime.GOMAXPROCS(1)
	one := digestOf(t, total, Options{Compress: true, Concurrency: 1})
	runtime.GOMAXPROCS(2)
	two := digestOf(t, total, Options{Compress: true, Concurrency: 2})
	four := digestOf(t, total, Options{Compress: true, Concurrency: 4})
	runtime.GOMAXPROCS(prev)
	def := digestOf(t, total, DefaultOptions())
	t.Logf("sha256 GOMAXPROCS=1/conc 1: %s, GOMAXPROCS=2/conc 2: %s, conc 4: %s, default: %s", one, two, four, def)
	if one != two || two != four || four != def {
		t.Fatal("output differs with the concurrency")
	}
	if other := digestOf(t, total, Options{Compress: true, BlockSize: 2 << 20}); other == one {
		t.Fatal("block size does not change the output: the test cannot tell anything")
	}
}

// TestMemoryFlat streams a 200 MiB image and checks that the heap stays small: the writer
// holds a few gzip blocks, never the image. Each sample collects garbage first, so it sees
// what the writer really keeps.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("200 MiB stream")
	}
	const total = 200 << 20
	runtime.GC()
	var peak uint64
	sample := func() {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	cw := &countWriter{}
	opts := DefaultOptions()
	opts.Level = 1 // the buffers are the same at every level; level 1 keeps the test quick
	if err := Write(cw, pipeTar(t, total, sample), opts); err != nil {
		t.Fatalf("Write: %v", err)
	}
	sample()
	t.Logf("200 MiB tar → %d bytes of initrd, peak HeapInuse %.1f MiB", cw.n, float64(peak)/(1<<20))
	if peak > 64<<20 {
		t.Fatalf("peak HeapInuse %d MiB: memory grows with the image", peak>>20)
	}
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkWrite measures tar → cpio → gzip throughput on a 64 MiB generated image.
func BenchmarkWrite(b *testing.B) {
	const total = 64 << 20
	var buf writerBuffer
	if err := genTar(&buf, total, nil); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ResetTimer()
	for range b.N {
		cw := &countWriter{}
		if err := Write(cw, &readerOf{b: buf}, DefaultOptions()); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(cw.n)/float64(len(buf)), "ratio")
	}
}

type writerBuffer []byte

func (w *writerBuffer) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }

type readerOf struct {
	b   []byte
	off int
}

func (r *readerOf) Read(p []byte) (int, error) {
	if r.off >= len(r.b) {
		return 0, io.EOF
	}
	n := copy(p, r.b[r.off:])
	r.off += n
	return n, nil
}

// TestFastOutput: Options.Fast writes other bytes than the default, which do not depend on
// the concurrency either and decode to the same cpio, through the real gzip.
func TestFastOutput(t *testing.T) {
	gz, err := exec.LookPath("gzip")
	if err != nil {
		t.Fatalf("gzip is needed to check the output (Debian: apt-get install gzip): %v", err)
	}
	const total = 6 << 20
	one := digestOf(t, total, Options{Compress: true, Fast: true, Concurrency: 1})
	three := digestOf(t, total, Options{Compress: true, Fast: true, Concurrency: 3})
	if one != three {
		t.Fatal("fast output differs with the concurrency")
	}
	if one == digestOf(t, total, DefaultOptions()) {
		t.Fatal("Fast writes the default's bytes: it is not used")
	}
	cpioOf := func(opts Options) []byte {
		var raw, out bytes.Buffer
		if err := Write(&raw, pipeTar(t, total, nil), opts); err != nil {
			t.Fatalf("Write: %v", err)
		}
		if !opts.Compress {
			return raw.Bytes()
		}
		cmd := exec.Command(gz, "-dc")
		cmd.Stdin, cmd.Stdout = &raw, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("gzip -dc of the fast output: %v", err)
		}
		return out.Bytes()
	}
	if !bytes.Equal(cpioOf(Options{Compress: true, Fast: true, Concurrency: 2}), cpioOf(Options{})) {
		t.Fatal("the fast output does not decode to the archive")
	}
}
