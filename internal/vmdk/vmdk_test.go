package vmdk

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	govmomivmdk "github.com/vmware/govmomi/vmdk"
)

// disks are the fixture raw disks of the qemu-img gate: data of both kinds, holes, grains
// only partly used, a size that is not a whole grain, and data in the very last grain.
var disks = []struct {
	name    string
	size    int64
	regions []region
}{
	{"small", 5<<20 + 1000, []region{
		{0, 70000, 'r'}, {3*65536 + 512, 200000, 't'}, {2 << 20, 65536, 'r'},
		{3<<20 + 100, 10, 't'}, {5<<20 + 900, 100, 'r'},
	}},
	{"1g-sparse", 1 << 30, []region{
		{0, 1 << 20, 't'}, {300 << 20, 3 << 20, 'r'}, {(32 << 20) - 512, 1024, 't'}, // across a grain table
		{1<<30 - 4096, 4096, 'r'},
	}},
	{"binary", 8 << 20, []region{{1 << 20, 3 << 20, 'x'}}},                    // compresses like real programs
	{"tables", 4 << 20, []region{{0, 1 << 20, 'k'}, {2 << 20, 1 << 20, 'x'}}}, // a kernel's tables
}

// TestQemuImgGate is DESIGN §5's gate for both subformats: qemu-img check passes, info shows
// the size and create type, and qemu-img convert back to raw gives our raw disk byte for byte.
// The size is compared with qemu-img's own conversion of the same raw disk.
func TestQemuImgGate(t *testing.T) {
	requireQemuImg(t)
	tmp := t.TempDir()
	for _, d := range disks {
		disk := newFixtureDisk(t, d.size, 42, d.regions)
		raw := disk.writeRaw(t, tmp, d.name+".raw")
		for _, compressed := range []bool{false, true} {
			opts := Options{Compressed: compressed}
			t.Run(d.name+"/"+opts.Subformat(), func(t *testing.T) {
				ours := filepath.Join(tmp, d.name+"-"+opts.Subformat()+".vmdk")
				writeVMDK(t, disk.reader(), ours, d.size, opts)

				if out := qemuImg(t, "check", "-f", "vmdk", ours); !strings.Contains(out, "No errors were found") {
					t.Fatalf("qemu-img check: %s", out)
				}
				ii := info(t, ours)
				wantSize := (d.size + grainBytes - 1) / grainBytes * grainBytes
				if ii.VirtualSize != wantSize || ii.FormatSpecific.Data.CreateType != opts.Subformat() {
					t.Errorf("qemu-img info: size %d, create type %q; want %d, %q", ii.VirtualSize,
						ii.FormatSpecific.Data.CreateType, wantSize, opts.Subformat())
				}
				if ii.FormatSpecific.Data.CID == 0 || ii.FormatSpecific.Data.ParentCID != math.MaxUint32 {
					t.Errorf("qemu-img info: cid %#x parent %#x", ii.FormatSpecific.Data.CID, ii.FormatSpecific.Data.ParentCID)
				}

				back := ours + ".raw"
				qemuImg(t, "convert", "-f", "vmdk", "-O", "raw", ours, back)
				// qemu-img compare reads holes cheaply and checks that the padding is zeros.
				qemuImg(t, "compare", "-f", "raw", "-F", "raw", raw, back)
				if d.size < 64<<20 {
					sameContent(t, raw, back) // and our own byte-for-byte comparison
				}

				peer := ours + ".qemu"
				args := []string{"convert", "-f", "raw", "-O", "vmdk"}
				if compressed {
					args = append(args, "-o", "subformat=streamOptimized")
				}
				qemuImg(t, append(args, raw, peer)...)
				a, b := fileSize(t, ours), fileSize(t, peer)
				ratio := float64(a) / float64(b)
				t.Logf("%s %s: ours %d bytes, qemu-img %d bytes (%.4f)", d.name, opts.Subformat(), a, b, ratio)
				if ratio > 1.01 {
					t.Errorf("size %d is not within 1%% of qemu-img's %d", a, b)
				}
			})
		}
	}
}

// TestStreamRoundTripsThroughQemu: qemu-img turns our streamOptimized disk into a
// monolithicSparse one and back into raw, unchanged; and our monolithicSparse disk into a
// streamOptimized one.
func TestStreamRoundTripsThroughQemu(t *testing.T) {
	requireQemuImg(t)
	tmp := t.TempDir()
	d := disks[0]
	disk := newFixtureDisk(t, d.size, 7, d.regions)
	raw := disk.writeRaw(t, tmp, "disk.raw")
	stream := filepath.Join(tmp, "stream.vmdk")
	writeVMDK(t, disk.reader(), stream, d.size, Options{Compressed: true})

	sparse := filepath.Join(tmp, "from-stream.vmdk")
	qemuImg(t, "convert", "-f", "vmdk", "-O", "vmdk", stream, sparse)
	qemuImg(t, "check", "-f", "vmdk", sparse)
	qemuImg(t, "convert", "-f", "vmdk", "-O", "raw", sparse, sparse+".raw")
	sameContent(t, raw, sparse+".raw")

	ours := filepath.Join(tmp, "sparse.vmdk")
	writeVMDK(t, disk.reader(), ours, d.size, Options{})
	restream := filepath.Join(tmp, "from-sparse.vmdk")
	qemuImg(t, "convert", "-f", "vmdk", "-O", "vmdk", "-o", "subformat=streamOptimized", ours, restream)
	qemuImg(t, "convert", "-f", "vmdk", "-O", "raw", restream, restream+".raw")
	sameContent(t, raw, restream+".raw")
}

// TestEmptyDisk: an empty reader makes an empty 10 GiB disk that passes check, reads as
// zeros and takes little space (the desktop target's extra disks).
func TestEmptyDisk(t *testing.T) {
	requireQemuImg(t)
	tmp := t.TempDir()
	zero := filepath.Join(tmp, "zero.raw")
	if err := os.WriteFile(zero, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(zero, 10<<30); err != nil {
		t.Fatal(err)
	}
	for _, compressed := range []bool{false, true} {
		opts := Options{Compressed: compressed}
		p := filepath.Join(tmp, opts.Subformat()+".vmdk")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := Write(f, bytes.NewReader(nil), 10<<30, opts); err != nil {
			t.Fatal(err)
		}
		f.Close()
		qemuImg(t, "check", "-f", "vmdk", p)
		if ii := info(t, p); ii.VirtualSize != 10<<30 {
			t.Errorf("%s: virtual size %d", p, ii.VirtualSize)
		}
		qemuImg(t, "compare", "-f", "vmdk", "-F", "raw", p, zero)
		size := fileSize(t, p)
		t.Logf("empty 10 GiB %s: %d bytes", opts.Subformat(), size)
		if size > 2<<20 {
			t.Errorf("empty 10 GiB disk takes %d bytes", size)
		}
	}
}

// TestDeterministic: same input, same bytes, whatever the parallelism; the CID follows the
// content.
func TestDeterministic(t *testing.T) {
	tmp := t.TempDir()
	d := disks[0]
	raw, other := newFixtureDisk(t, d.size, 1, d.regions), newFixtureDisk(t, d.size, 2, d.regions)
	sum := func(src *fixtureDisk, procs int, opts Options) [32]byte {
		prev := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(prev)
		p := filepath.Join(tmp, fmt.Sprintf("out-%d.vmdk", procs))
		writeVMDK(t, src.reader(), p, d.size, opts)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(b)
	}
	for _, compressed := range []bool{false, true} {
		opts := Options{Compressed: compressed, ExtentName: "disk.vmdk"}
		one, two, four := sum(raw, 1, opts), sum(raw, 2, opts), sum(raw, 4, opts)
		if one != two || one != four {
			t.Errorf("%s: output depends on GOMAXPROCS", opts.Subformat())
		}
		if sum(other, 2, opts) == one {
			t.Errorf("%s: different content, same bytes", opts.Subformat())
		}
	}
}

// TestDescriptor checks the embedded descriptor's fields.
func TestDescriptor(t *testing.T) {
	tmp := t.TempDir()
	p := filepath.Join(tmp, "named.vmdk")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte{1}, 100000)
	if err := Write(f, bytes.NewReader(data), 1<<30, Options{Compressed: true, HWVersion: "19"}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	desc := string(bytes.TrimRight(b[512:512*21], "\x00"))
	for _, want := range []string{"CID=", "parentCID=ffffffff", `createType="streamOptimized"`,
		`RW 2097152 SPARSE "named.vmdk"`, `ddb.adapterType = "lsilogic"`, `ddb.geometry.heads = "255"`,
		`ddb.geometry.cylinders = "130"`, `ddb.virtualHWVersion = "19"`} {
		if !strings.Contains(desc, want) {
			t.Errorf("descriptor lacks %q:\n%s", want, desc)
		}
	}
	if strings.Contains(desc, "CID=00000000") {
		t.Error("CID not derived from the content")
	}
}

func TestWriteErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		src      []byte
		capacity int64
		opts     Options
		want     string
	}{
		"longer than capacity":            {make([]byte, 1000), 999, Options{}, "longer than the capacity"},
		"longer than capacity, grain":     {bytes.Repeat([]byte{1}, 2*grainBytes+1), 2 * grainBytes, Options{}, "longer"},
		"longer than capacity, stream":    {bytes.Repeat([]byte{1}, 2*grainBytes), grainBytes + 1, Options{Compressed: true}, "longer"},
		"zero capacity":                   {nil, 0, Options{}, "positive"},
		"too big":                         {nil, 3 << 40, Options{}, "2 TiB"},
		"bad adapter":                     {nil, 1 << 20, Options{Adapter: "pvscsi"}, "adapter"},
		"bad hardware version":            {nil, 1 << 20, Options{HWVersion: "x19"}, "hardware version"},
		"bad extent name":                 {nil, 1 << 20, Options{ExtentName: "a\"b"}, "extent name"},
		"trailing zeros past capacity ok": {make([]byte, 1000), 1000, Options{}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			err := Write(&memFile{}, bytes.NewReader(tc.src), tc.capacity, tc.opts)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Write: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Write error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// memFile is an in-memory io.WriteSeeker.
type memFile struct {
	b   []byte
	off int64
}

func (m *memFile) Write(p []byte) (int, error) {
	if end := m.off + int64(len(p)); end > int64(len(m.b)) {
		m.b = append(m.b, make([]byte, end-int64(len(m.b)))...)
	}
	n := copy(m.b[m.off:], p)
	m.off += int64(n)
	return n, nil
}

func (m *memFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case 1:
		off += m.off
	case 2:
		off += int64(len(m.b))
	}
	m.off = off
	return off, nil
}

// TestShortSourcePadded: a raw stream shorter than the capacity reads back zero-padded.
func TestShortSourcePadded(t *testing.T) {
	requireQemuImg(t)
	tmp := t.TempDir()
	d := disks[0]
	disk := newFixtureDisk(t, d.size, 3, d.regions)
	raw := disk.writeRaw(t, tmp, "disk.raw")
	for _, compressed := range []bool{false, true} {
		opts := Options{Compressed: compressed}
		p := filepath.Join(tmp, opts.Subformat()+".vmdk")
		writeVMDK(t, disk.reader(), p, 16<<20, opts)
		if ii := info(t, p); ii.VirtualSize != 16<<20 {
			t.Errorf("%s: virtual size %d, want 16 MiB", opts.Subformat(), ii.VirtualSize)
		}
		qemuImg(t, "convert", "-f", "vmdk", "-O", "raw", p, p+".raw")
		if got := fileSize(t, p+".raw"); got != 16<<20 {
			t.Errorf("%s: converted raw has %d bytes", opts.Subformat(), got)
		}
		sameContent(t, raw, p+".raw")
	}
}

// TestWriteAtOffset: the file starts at dst's current position, and Write leaves dst at its end.
func TestWriteAtOffset(t *testing.T) {
	d := disks[0]
	disk := newFixtureDisk(t, d.size, 5, d.regions)
	for _, compressed := range []bool{false, true} {
		opts := Options{Compressed: compressed}
		plain, shifted := &memFile{}, &memFile{}
		if err := Write(plain, disk.reader(), d.size, opts); err != nil {
			t.Fatal(err)
		}
		_, _ = shifted.Write([]byte("prefix"))
		if err := Write(shifted, disk.reader(), d.size, opts); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(shifted.b[6:], plain.b) {
			t.Errorf("%s: output written at an offset differs", opts.Subformat())
		}
		if shifted.off != int64(len(shifted.b)) || len(plain.b)%sectorSize != 0 {
			t.Errorf("%s: dst left at %d of %d; length %d", opts.Subformat(), shifted.off, len(shifted.b), len(plain.b))
		}
	}
}

// TestGovmomiReadsStream: govmomi's vmdk.Stat, which govc import.vmdk and the vSphere import
// path use, accepts our streamOptimized file and reads its capacity and descriptor from the
// first descriptor sector.
func TestGovmomiReadsStream(t *testing.T) {
	p := filepath.Join(t.TempDir(), strings.Repeat("n", 155)+".vmdk")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(f, bytes.NewReader([]byte{1}), 2<<40-grainBytes, Options{Compressed: true, HWVersion: "1234"}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	di, err := govmomivmdk.Stat(p)
	if err != nil {
		t.Fatalf("govmomi vmdk.Stat: %v", err)
	}
	ext := di.Descriptor.Extent
	if di.Capacity != 2<<40-grainBytes || di.Descriptor.Type != StreamOptimized || di.Descriptor.CID == 0 ||
		len(ext) != 1 || ext[0].Size != (2<<40-grainBytes)/sectorSize || di.Descriptor.DDB["virtualHWVersion"] != "1234" {
		t.Errorf("govmomi reads capacity %d, descriptor %+v", di.Capacity, di.Descriptor)
	}
}
