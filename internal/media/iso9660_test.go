package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLevel1Name(t *testing.T) {
	for _, tc := range []struct {
		name string
		dir  bool
		want string
	}{
		{"kernel", false, "KERNEL.;1"},
		{"initrd.img", false, "INITRD.IMG;1"},
		{"isolinux.bin", false, "ISOLINUX.BIN;1"},
		{"isolinux", true, "ISOLINUX"},
		{"a-very-long-name.tar.gz", false, "A_VERY_L.GZ;1"},
		{".hidden", false, "_HIDDEN.;1"},
		{"some.dir", true, "SOME_DIR"},
	} {
		if got := level1Name(tc.name, tc.dir); got != tc.want {
			t.Errorf("level1Name(%q, %v) = %q, want %q", tc.name, tc.dir, got, tc.want)
		}
	}
}

func TestCompareIdentifiers(t *testing.T) {
	ids := []string{"ISOLINUX.CFG;1", "\x01", "A.;1", "ISOLINUX", "BOOT.CAT;1", "\x00", "ISOLINUX.BIN;1", "AB.;1", "A.B;1"}
	slices.SortFunc(ids, compareIdentifiers)
	want := []string{"\x00", "\x01", "A.;1", "A.B;1", "AB.;1", "BOOT.CAT;1", "ISOLINUX", "ISOLINUX.BIN;1", "ISOLINUX.CFG;1"}
	if !slices.Equal(ids, want) {
		t.Errorf("sorted %q, want %q", ids, want)
	}
	if compareIdentifiers("A.B;2", "A.B;1") >= 0 {
		t.Errorf("higher versions must sort first")
	}
}

func TestVolumeID(t *testing.T) {
	for in, want := range map[string]string{
		"":                                    "LINUXKIT",
		"linuxkit":                            "LINUXKIT",
		"my-image.v1":                         "MY_IMAGE_V1",
		"  spaced  ":                          "SPACED",
		"a-name-that-is-far-too-long-for-iso": "A_NAME_THAT_IS_FAR_TOO_LONG_FOR_",
		"héllo":                               "H__LLO",
	} {
		if got := VolumeID(in); got != want {
			t.Errorf("VolumeID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTreeCollisions(t *testing.T) {
	tr := newISOTree()
	if _, err := tr.addData("isolinux/isolinux.cfg", []byte("x")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"isolinux/isolinux.cfg", "ISOLINUX.CFG/x", "isolinux/isolinux.cfgx", "isolinux", "", "a//b", "../x"} {
		if _, err := tr.addData(p, nil); err == nil {
			t.Errorf("add %q: no error", p)
		}
	}
}

func TestGeometry(t *testing.T) {
	for _, tc := range []struct {
		sectors   uint64 // 2048-byte sectors before alignment
		aligned   uint64
		geo       geometry
		chsOfLast [3]byte
	}{
		{7679, 7680, geometry{64, 32}, [3]byte{63, 32, 14}}, // xorriso's 15 MiB image: 3f 20 0e
		{512, 512, geometry{64, 32}, [3]byte{63, 32, 0}},
		{512 * 1024, 512 * 1024, geometry{64, 32}, [3]byte{63, 32 | 0xc0, 0xff}}, // exactly 1 GiB
		{512*1024 + 1, 524680, geometry{65, 32}, [3]byte{64, 32 | 0xc0, 0xf0}},   // 1009 cylinders of 65×32
		{2088961, 2089395, geometry{132, 63}, [3]byte{131, 63 | 0xc0, 0xec}},     // past 255×32: 63 sectors
		{5000000, 5000000, geometry{255, 63}, [3]byte{254, 63 | 0xc0, 0xff}},     // too big to align
	} {
		got, g := alignHybrid(tc.sectors)
		if g != tc.geo || got != tc.aligned {
			t.Errorf("%d sectors: geometry %v aligned to %d, want %v and %d", tc.sectors, g, got, tc.geo, tc.aligned)
		}
		if chs := g.chs(got*4 - 1); chs != tc.chsOfLast {
			t.Errorf("%d sectors: CHS of the last block % x, want % x", tc.sectors, chs, tc.chsOfLast)
		}
	}
}

func TestIsohybridMBR(t *testing.T) {
	code := bytes.Repeat([]byte{0xcc}, 432)
	mbr, err := isohybridMBR(code, 25, 7680, defaultGeometry, 0x11223344)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 512)
	copy(want, code)
	copy(want[432:], []byte{100, 0, 0, 0, 0, 0, 0, 0, 0x44, 0x33, 0x22, 0x11, 0, 0})
	// The entry xorriso writes for a 15 MiB image (see TestISOComparedWithXorriso for the live check).
	copy(want[446:], []byte{0x80, 0x00, 0x01, 0x00, 0x17, 0x3f, 0x20, 0x0e, 0, 0, 0, 0, 0x00, 0x78, 0, 0})
	want[510], want[511] = 0x55, 0xaa
	if !bytes.Equal(mbr, want) {
		t.Errorf("MBR\n% x\nwant\n% x", mbr[432:], want[432:])
	}
	if _, err := isohybridMBR(code[:431], 25, 7680, defaultGeometry, 1); err == nil {
		t.Error("short MBR code accepted")
	}
}

func TestBootCatalogAndInfoTable(t *testing.T) {
	cat := bootCatalog(42)
	var sum uint16
	for i := 0; i < 32; i += 2 {
		sum += binary.LittleEndian.Uint16(cat[i:])
	}
	if sum != 0 || cat[30] != 0x55 || cat[31] != 0xaa {
		t.Errorf("validation entry does not sum to zero: % x", cat[:32])
	}
	if cat[32] != 0x88 || cat[33] != 0 || binary.LittleEndian.Uint16(cat[38:]) != 4 || binary.LittleEndian.Uint32(cat[40:]) != 42 {
		t.Errorf("initial entry % x", cat[32:64])
	}

	img := make([]byte, 70) // not a multiple of 4: the last word is zero padded
	for i := range img {
		img[i] = byte(i)
	}
	out, err := patchBootInfoTable(img, 7)
	if err != nil {
		t.Fatal(err)
	}
	wantSum := binary.LittleEndian.Uint32(img[64:68]) + uint32(img[68]) + uint32(img[69])<<8
	if got := binary.LittleEndian.Uint32(out[20:]); got != wantSum {
		t.Errorf("checksum 0x%x, want 0x%x", got, wantSum)
	}
	if binary.LittleEndian.Uint32(out[8:]) != 16 || binary.LittleEndian.Uint32(out[12:]) != 7 || binary.LittleEndian.Uint32(out[16:]) != 70 {
		t.Errorf("table % x", out[8:24])
	}
	if !bytes.Equal(out[24:64], make([]byte, 40)) || img[30] != 30 {
		t.Errorf("reserved bytes not zeroed, or the input was modified")
	}
	if _, err := patchBootInfoTable(img[:64], 7); err == nil {
		t.Error("a 64-byte boot image accepted")
	}
}

func TestIsolinuxConfigRejects(t *testing.T) {
	for _, c := range []string{"console=ttyS0\nlabel evil", "a\x00b", strings.Repeat("x", 2100)} {
		if _, err := isolinuxConfig(c); err == nil {
			t.Errorf("cmdline %q accepted", c[:min(len(c), 20)])
		}
	}
	cfg, err := isolinuxConfig("")
	if err != nil || !strings.Contains(string(cfg), "  append initrd=/initrd.img\n") {
		t.Errorf("empty cmdline: %q, %v", cfg, err)
	}
}

func TestPlanRejects(t *testing.T) {
	boot := fakeBootFiles(1)
	ok := ISOFile{Path: "ok", Size: 10, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(make([]byte, 10))), nil }}
	for name, tc := range map[string]struct {
		k, i ISOFile
		opts ISOOptions
	}{
		"no boot files": {ok, ok, ISOOptions{}},
		"empty kernel":  {ISOFile{Path: "k", Open: ok.Open}, ok, ISOOptions{Boot: boot}},
		"no open":       {ok, ISOFile{Path: "i", Size: 3}, ISOOptions{Boot: boot}},
		"huge file":     {ok, ISOFile{Path: "i", Size: 1 << 32, Open: ok.Open}, ISOOptions{Boot: boot}},
		"bad time":      {ok, ok, ISOOptions{Boot: boot, ModTime: time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)}},
	} {
		if _, err := ISOBIOSSize(tc.k, tc.i, tc.opts); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// lyingFile declares size bytes but yields actual.
func lyingFile(size, actual int) ISOFile {
	return ISOFile{Path: "liar", Size: int64(size), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(make([]byte, actual))), nil
	}}
}

func TestSourceSizeMismatch(t *testing.T) {
	boot := fakeBootFiles(1)
	ok := lyingFile(4096, 4096)
	for _, f := range []ISOFile{lyingFile(5000, 4000), lyingFile(5000, 6000)} {
		err := WriteISOBIOS(io.Discard, ok, f, ISOOptions{Boot: boot})
		if err == nil || !strings.Contains(err.Error(), "liar") {
			t.Errorf("a source of %d bytes declared as %d: %v", 0, f.Size, err)
		}
	}
	failing := ISOFile{Path: "gone", Size: 1, Open: func() (io.ReadCloser, error) { return nil, errors.New("vanished") }}
	if err := WriteISOBIOS(io.Discard, ok, failing, ISOOptions{Boot: boot}); err == nil || !strings.Contains(err.Error(), "vanished") {
		t.Errorf("open error lost: %v", err)
	}
}
