package fat

import (
	"bytes"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

var testTime = time.Date(2017, 4, 18, 16, 30, 0, 0, time.UTC)

// memFile is a File over bytes held by the test.
func memFile(path string, data []byte) File {
	return File{Path: path, Size: int64(len(data)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
}

// pseudo returns n deterministic pseudo-random bytes.
func pseudo(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// sampleFiles is an ESP-like tree with an empty file, a nested directory and a file that does
// not end on a cluster boundary.
func sampleFiles() map[string][]byte {
	return map[string][]byte{
		"EFI/BOOT/BOOTX64.EFI": pseudo(1, 300_001),
		"EFI/LINUX/A.CFG":      []byte("title x\n"),
		"startup.nsh":          []byte("\\EFI\\BOOT\\BOOTX64.EFI\r\n"),
		"EMPTY":                nil,
		"LOADER/ENTRIES/X.TXT": pseudo(2, 4096),
	}
}

func toFiles(m map[string][]byte) []File {
	var fs []File
	for p, d := range m {
		fs = append(fs, memFile(p, d))
	}
	return fs
}

func build(t testing.TB, files []File, opts Options) []byte {
	t.Helper()
	im, err := New(files, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var buf bytes.Buffer
	n, err := im.WriteTo(&buf)
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if n != im.Size() || int64(buf.Len()) != im.Size() {
		t.Fatalf("wrote %d bytes (buffer %d), Size says %d", n, buf.Len(), im.Size())
	}
	return buf.Bytes()
}

func TestReadBackAndDeterministic(t *testing.T) {
	files := sampleFiles()
	opts := Options{Label: "ESP", Serial: 0x1234abcd, ModTime: testTime}
	img := build(t, toFiles(files), opts)
	if len(img)%sizeAlign != 0 {
		t.Errorf("default size %d is not a whole MiB", len(img))
	}
	for p, want := range files {
		got, err := readBack(img, p)
		if err != nil {
			t.Fatalf("read back %s: %v", p, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: read back %d bytes differing from the %d written", p, len(got), len(want))
		}
	}
	again := build(t, toFiles(files), opts) // map order differs between the two calls
	if !bytes.Equal(img, again) {
		t.Errorf("two builds of the same inputs differ")
	}
	opts.Serial++
	if other := build(t, toFiles(files), opts); bytes.Equal(img, other) {
		t.Errorf("a different serial gave the same bytes")
	}
}

func TestRejects(t *testing.T) {
	cases := map[string][]File{
		"long name":     {memFile("LONGFILENAME.EFI", []byte("x"))},
		"long ext":      {memFile("A.EFIX", []byte("x"))},
		"two dots":      {memFile("A.B.C", []byte("x"))},
		"bad char":      {memFile("A B", []byte("x"))},
		"dot dot":       {memFile("../A", []byte("x"))},
		"empty part":    {memFile("A//B", []byte("x"))},
		"case collides": {memFile("a.efi", []byte("x")), memFile("A.EFI", []byte("y"))},
		"file as dir":   {memFile("A", []byte("x")), memFile("A/B", []byte("y"))},
		"no open":       {{Path: "A", Size: 3}},
	}
	for name, fs := range cases {
		if _, err := New(fs, Options{ModTime: testTime}); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	if _, err := New(nil, Options{ModTime: time.Date(1979, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil {
		t.Errorf("a 1979 time was accepted")
	}
	if _, err := New(nil, Options{Size: 16 << 20, ModTime: testTime}); err == nil {
		t.Errorf("a 16 MiB volume (fewer than 65525 clusters) was accepted")
	}
	im, err := New([]File{{Path: "A", Size: 10, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("short")), nil
	}}}, Options{ModTime: testTime})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.WriteTo(io.Discard); err == nil || !strings.Contains(err.Error(), "declared") {
		t.Errorf("a short source: err = %v, want a size mismatch", err)
	}
}

// TestHostTools checks the image with dosfstools' fsck and reads every file back with mtools,
// for the default size (one sector per cluster) and a 300 MiB volume (eight).
func TestHostTools(t *testing.T) {
	testrig.Require(t, "fsck.vfat", "mcopy", "mdir")
	for _, size := range []int64{0, 300 << 20} {
		files := sampleFiles()
		img := build(t, toFiles(files), Options{Label: "LINUXKIT", Serial: 42, ModTime: testTime, Size: size})
		dir := t.TempDir()
		path := filepath.Join(dir, "esp.img")
		if err := os.WriteFile(path, img, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("fsck.vfat", "-n", "-v", path).CombinedOutput(); err != nil {
			t.Fatalf("size %d: fsck.vfat -n: %v\n%s", size, err, out)
		}
		out, err := exec.Command("mdir", "-i", path, "-/", "::").CombinedOutput()
		if err != nil {
			t.Fatalf("mdir: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "LINUXKIT") {
			t.Errorf("mdir does not show the label:\n%s", out)
		}
		for p, want := range files {
			dst := filepath.Join(dir, "out")
			if b, err := exec.Command("mcopy", "-n", "-o", "-i", path, "::"+strings.ToUpper(p), dst).CombinedOutput(); err != nil {
				t.Fatalf("mcopy %s: %v\n%s", p, err, b)
			}
			got, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			if sha256.Sum256(got) != sha256.Sum256(want) {
				t.Errorf("size %d: mcopy of %s gives %d bytes differing from the %d written", size, p, len(got), len(want))
			}
		}
	}
}

// FuzzNamesSizes builds volumes from fuzzed names and sizes: New either refuses them or the
// written image has exactly Size bytes and every file reads back byte for byte.
func FuzzNamesSizes(f *testing.F) {
	f.Add("EFI/BOOT/BOOTX64.EFI", uint32(300_001), "A.TXT", uint16(0), uint64(1))
	f.Add("a/b/c/d.e", uint32(1), "A/B/X", uint16(512), uint64(2))
	f.Add("x", uint32(0), "x", uint16(1), uint64(3))
	f.Fuzz(func(t *testing.T, p1 string, s1 uint32, p2 string, s2 uint16, seed uint64) {
		files := map[string][]byte{p1: pseudo(seed, int(s1%(2<<20))), p2: pseudo(seed+1, int(s2))}
		im, err := New(toFiles(files), Options{Serial: uint32(seed), ModTime: testTime})
		if err != nil {
			return
		}
		buf := bytes.NewBuffer(make([]byte, 0, im.Size()))
		if _, err := im.WriteTo(buf); err != nil {
			t.Fatalf("WriteTo after New accepted: %v", err)
		}
		if int64(buf.Len()) != im.Size() {
			t.Fatalf("wrote %d, Size %d", buf.Len(), im.Size())
		}
		for p, want := range files {
			got, err := readBack(buf.Bytes(), p)
			if err != nil {
				t.Fatalf("read back %q: %v", p, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%q differs", p)
			}
		}
	})
}
