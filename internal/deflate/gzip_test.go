package deflate

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"io"
	"os/exec"
	"testing"
)

// stream is an input several parts long with every shape of inputs() in it, so parts end
// inside text, tables, runs and random bytes.
func stream() []byte {
	var b []byte
	for _, name := range []string{"text", "relocs", "random", "zeros", "skewed", "run", "mixed", "text"} {
		b = append(b, inputs()[name]...)
	}
	return b
}

// gzipOf compresses in through a GzipWriter fed in writes of chunk bytes.
func gzipOf(t *testing.T, in []byte, partSize, concurrency, depth, chunk int) []byte {
	t.Helper()
	var out bytes.Buffer
	z, err := NewGzipWriter(&out, partSize, concurrency, depth)
	if err != nil {
		t.Fatal(err)
	}
	for p := in; len(p) > 0; {
		k := min(chunk, len(p))
		if n, err := z.Write(p[:k]); err != nil || n != k {
			t.Fatalf("write: %d of %d, %v", n, k, err)
		}
		p = p[k:]
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestGzipRoundTrip decodes the output with the standard library and with the real gzip
// tool, for an empty input, one part, and many parts.
func TestGzipRoundTrip(t *testing.T) {
	gz, err := exec.LookPath("gzip")
	if err != nil && !testing.Short() {
		t.Fatalf("gzip is needed to check the output (Debian: apt-get install gzip): %v", err)
	}
	for name, in := range map[string][]byte{"empty": {}, "one": {7}, "stream": stream()} {
		out := gzipOf(t, in, 64<<10, 3, 16, 10007)
		zr, err := gzip.NewReader(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("%s: header: %v", name, err)
		}
		zr.Multistream(false)
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, in) {
			t.Fatalf("%s: round trip: %v (%d of %d bytes)", name, err, len(got), len(in))
		}
		if gz == "" {
			continue
		}
		cmd := exec.Command(gz, "-dc")
		cmd.Stdin = bytes.NewReader(out)
		got, err = cmd.Output()
		if err != nil || !bytes.Equal(got, in) {
			t.Fatalf("%s: gzip -dc: %v (%d of %d bytes)", name, err, len(got), len(in))
		}
		t.Logf("%s: %d → %d bytes", name, len(in), len(out))
	}
}

// TestGzipDeterministic: the bytes depend on the part size and depth, not on the number of
// parts at once nor on how the writes are cut.
func TestGzipDeterministic(t *testing.T) {
	in := stream()
	want := gzipOf(t, in, 64<<10, 1, 16, len(in))
	for _, c := range [][2]int{{2, 1}, {4, 4096}, {8, 65536}, {3, 99991}} {
		if got := gzipOf(t, in, 64<<10, c[0], 16, c[1]); !bytes.Equal(got, want) {
			t.Fatalf("concurrency %d, writes of %d: different bytes", c[0], c[1])
		}
	}
	if got := gzipOf(t, in, 128<<10, 2, 16, 4096); bytes.Equal(got, want) {
		t.Fatal("another part size gave the same bytes: the parts are not cut where they should be")
	}
}

// TestGzipWindow: a part refers back into the previous one. The second 64 KiB part starts
// with the last 30 KiB of the first (random bytes), which only the window can match.
func TestGzipWindow(t *testing.T) {
	r := inputs()["random"]
	first, fresh := r[:64<<10], r[64<<10:98<<10]
	in := append(append(append([]byte{}, first...), first[34<<10:]...), fresh...)
	if out := gzipOf(t, in, 64<<10, 2, 8, 1<<20); len(out) > len(first)+len(fresh)+4096 {
		t.Fatalf("%d bytes for %d of which 30 KiB repeat the previous part: the window is not used", len(out), len(in))
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

// TestGzipWriteError: an error from dst comes back from Write or Close, and Close still
// returns once the parts in flight are done.
func TestGzipWriteError(t *testing.T) {
	z, err := NewGzipWriter(&failWriter{n: 100 << 10}, 64<<10, 2, 8)
	if err != nil {
		t.Fatal(err)
	}
	in := stream()
	var werr error
	for p := in; len(p) > 0 && werr == nil; p = p[min(len(p), 8192):] {
		_, werr = z.Write(p[:min(len(p), 8192)])
	}
	cerr := z.Close()
	if werr == nil && cerr == nil {
		t.Fatal("no error from a writer that fails after 100 KiB")
	}
	for _, err := range []error{werr, cerr} {
		if err != nil && !bytes.Contains([]byte(err.Error()), []byte("disk full")) {
			t.Fatalf("error %q does not carry the cause", err)
		}
	}
	if _, err := z.Write([]byte("x")); err == nil {
		t.Fatal("a write after Close succeeded")
	}
	if _, err := NewGzipWriter(io.Discard, 1000, 1, 8); err == nil {
		t.Fatal("a 1000-byte part size was accepted")
	}
	if _, err := NewGzipWriter(io.Discard, 64<<10, 0, 8); err == nil {
		t.Fatal("concurrency 0 was accepted")
	}
}

// FuzzBlockWindow: a part compressed against any window decodes, with that window as the
// inflater's dictionary, back to itself, whether it ends final or with the sync flush.
func FuzzBlockWindow(f *testing.F) {
	in := inputs()
	f.Add(in["text"][:5000], in["text"][3000:9000], true)
	f.Add(in["relocs"][:40000], in["relocs"][100:3000], false)
	f.Add([]byte{}, []byte("abcabcabc"), false)
	f.Add(in["random"][:33000], in["random"][:33000], true)
	var e Encoder
	f.Fuzz(func(t *testing.T, window, data []byte, final bool) {
		src := append(append([]byte{}, window...), data...)
		out := e.AppendBlock(nil, src, len(window), final)
		if !final && !bytes.HasSuffix(out, []byte{0, 0, 0xff, 0xff}) {
			t.Fatalf("a part that is not final does not end with a sync flush: % x", out[max(0, len(out)-8):])
		}
		dict := window[max(0, len(window)-windowSize):]
		got, err := io.ReadAll(flate.NewReaderDict(bytes.NewReader(out), dict))
		if final && err != nil || !final && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("final %v: inflate: %v", final, err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("round trip of %d bytes after a %d-byte window: got %d bytes", len(data), len(window), len(got))
		}
	})
}
