package vmdk

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// region is a stretch of data in a fixture disk; everything else is a hole (zeros).
type region struct {
	off, len int64
	// 'r' random bytes, 't' text-like bytes, 'x' the test binary's bytes, 'k' a table of
	// 32-bit offsets in small steps, as a kernel's relocations (3-byte repeats)
	kind byte
}

// fixtureDisk is a raw disk of size bytes: the regions hold seeded data, the rest is zeros.
type fixtureDisk struct {
	size    int64
	regions []region
	data    [][]byte // one per region
}

func newFixtureDisk(t testing.TB, size int64, seed uint64, regions []region) *fixtureDisk {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	d := &fixtureDisk{size: size, regions: regions}
	for _, reg := range regions {
		if reg.kind == 'x' {
			d.data = append(d.data, executableBytes(t, reg.len))
			continue
		}
		d.data = append(d.data, fill(r, reg.len, reg.kind))
	}
	return d
}

// executableBytes returns the first n bytes of the test binary: real machine code and data,
// compressible the way a disk's programs are.
func executableBytes(t testing.TB, n int64) []byte {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, n)
	if _, err := io.ReadFull(f, b); err != nil {
		t.Fatalf("test binary shorter than %d bytes: %v", n, err)
	}
	return b
}

// writeRaw writes the disk as a sparse raw file (the input qemu-img gets) and returns its path.
func (d *fixtureDisk) writeRaw(t testing.TB, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(d.size); err != nil {
		t.Fatal(err)
	}
	for i, reg := range d.regions {
		if _, err := f.WriteAt(d.data[i], reg.off); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// reader streams the disk from memory, so big sparse disks cost no disk reads.
func (d *fixtureDisk) reader() io.Reader { return &diskReader{d: d} }

type diskReader struct {
	d   *fixtureDisk
	off int64
}

func (r *diskReader) Read(p []byte) (int, error) {
	if r.off >= r.d.size {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.d.size-r.off)]
	clear(p)
	for i, reg := range r.d.regions {
		lo, hi := max(reg.off, r.off), min(reg.off+reg.len, r.off+int64(len(p)))
		if lo < hi {
			copy(p[lo-r.off:hi-r.off], r.d.data[i][lo-reg.off:hi-reg.off])
		}
	}
	r.off += int64(len(p))
	return len(p), nil
}

func fill(r *rand.Rand, n int64, kind byte) []byte {
	b := make([]byte, n)
	const alphabet = "the quick brown fox jumps over a lazy dog\n0123456789"
	v := r.Uint32()
	for i := range b {
		switch {
		case kind == 't':
			b[i] = alphabet[r.IntN(len(alphabet))]
		case kind == 'k' && i%4 == 0 && i+4 <= len(b):
			v += 8 * uint32(1+r.IntN(6))
			binary.LittleEndian.PutUint32(b[i:], v)
		case kind == 'k':
		default:
			b[i] = byte(r.Uint32())
		}
	}
	return b
}

// writeVMDK writes the raw stream src as a vmdk at dst with our writer.
func writeVMDK(t testing.TB, src io.Reader, dst string, capacity int64, opts Options) {
	t.Helper()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(out, src, capacity, opts); err != nil {
		out.Close()
		t.Fatalf("Write %s: %v", dst, err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// qemuImg runs qemu-img and returns its stdout; a failure is fatal.
func qemuImg(t testing.TB, args ...string) string {
	t.Helper()
	cmd := exec.Command("qemu-img", args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("qemu-img %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// imageInfo is the part of `qemu-img info --output=json` the tests check.
type imageInfo struct {
	VirtualSize    int64  `json:"virtual-size"`
	Format         string `json:"format"`
	FormatSpecific struct {
		Data struct {
			CID        uint32 `json:"cid"`
			ParentCID  uint32 `json:"parent-cid"`
			CreateType string `json:"create-type"`
		} `json:"data"`
	} `json:"format-specific"`
}

func info(t testing.TB, path string) imageInfo {
	t.Helper()
	var ii imageInfo
	if err := json.Unmarshal([]byte(qemuImg(t, "info", "-f", "vmdk", "--output=json", path)), &ii); err != nil {
		t.Fatalf("qemu-img info: %v", err)
	}
	return ii
}

// sameContent compares two files byte for byte, streaming; a missing tail of a counts as
// zeros up to b's length (the writer pads the disk to a grain).
func sameContent(t testing.TB, a, b string) {
	t.Helper()
	fa, err := os.Open(a)
	if err != nil {
		t.Fatal(err)
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	ra := io.MultiReader(fa, zeroReader{})
	ba, bb := make([]byte, 1<<20), make([]byte, 1<<20)
	var off int64
	for {
		n, err := io.ReadFull(fb, bb)
		if n > 0 {
			if _, err := io.ReadFull(ra, ba[:n]); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ba[:n], bb[:n]) {
				i := 0
				for ba[i] == bb[i] {
					i++
				}
				t.Fatalf("%s and %s differ at byte %d", a, b, off+int64(i))
			}
			off += int64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if rest, _ := io.ReadAll(fa); len(bytes.Trim(rest, "\x00")) != 0 {
		t.Fatalf("%s has data past the end of %s", a, b)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func fileSize(t testing.TB, p string) int64 {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func requireQemuImg(t testing.TB) {
	t.Helper()
	testrig.Require(t, "qemu-img")
}
