package media

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// testImage is an iso-bios image written from synthetic kernel and initrd files.
type testImage struct {
	dir, kernel, initrd, iso string
	opts                     ISOOptions
	size                     int64
}

// Sizes chosen so the data ends mid-MiB: our image and xorriso's round up to the same size.
const (
	testKernelSize = 3<<20 + 100<<10 + 17
	testInitrdSize = 5<<20 + 300<<10 + 5
)

func newTestImage(t *testing.T) testImage {
	t.Helper()
	dir := t.TempDir()
	im := testImage{
		dir:    dir,
		kernel: randomFile(t, dir, "kernel.src", testKernelSize),
		initrd: randomFile(t, dir, "initrd.src", testInitrdSize),
		iso:    filepath.Join(dir, "my-image.iso"),
		opts:   ISOOptions{VolumeID: "my-image", Boot: hostBootFiles(t), Cmdline: "console=ttyS0 quiet"},
	}
	writeISOFile(t, im.iso, isoFile(t, im.kernel), isoFile(t, im.initrd), im.opts)
	fi, err := os.Stat(im.iso)
	if err != nil {
		t.Fatal(err)
	}
	im.size = fi.Size()
	return im
}

// fileLBAs parses `xorriso -find / -exec report_lba` into path → (LBA, size).
func fileLBAs(t *testing.T, iso string) map[string][2]int64 {
	t.Helper()
	out := run(t, "", "xorriso", "-indev", iso, "-find", "/", "-exec", "report_lba", "--")
	re := regexp.MustCompile(`File data lba:\s*0\s*,\s*(\d+)\s*,\s*\d+\s*,\s*(\d+)\s*,\s*'([^']+)'`)
	m := map[string][2]int64{}
	for _, g := range re.FindAllStringSubmatch(out, -1) {
		lba, _ := strconv.ParseInt(g[1], 10, 64)
		size, _ := strconv.ParseInt(g[2], 10, 64)
		m[g[3]] = [2]int64{lba, size}
	}
	return m
}

func TestISOReadByXorriso(t *testing.T) {
	testrig.Require(t, "xorriso")
	im := newTestImage(t)
	k, i := isoFile(t, im.kernel), isoFile(t, im.initrd)
	if want, err := ISOBIOSSize(k, i, im.opts); err != nil || want != im.size {
		t.Fatalf("isoSize = %d, %v; wrote %d bytes", want, err, im.size)
	}
	if im.size%(1<<20) != 0 {
		t.Errorf("isohybrid image of %d bytes is not aligned to the 1 MiB cylinder", im.size)
	}

	lbas := fileLBAs(t, im.iso) // xorriso reports the boot catalog apart, as "El Torito cat path"
	wantFiles := map[string]int64{
		"/kernel": testKernelSize, "/initrd.img": testInitrdSize,
		"/isolinux/isolinux.bin": int64(len(im.opts.Boot.IsolinuxBin)), "/isolinux/ldlinux.c32": int64(len(im.opts.Boot.LdlinuxC32)),
		"/isolinux/isolinux.cfg": -1,
	}
	for p, size := range wantFiles {
		got, ok := lbas[p]
		if !ok {
			t.Errorf("xorriso does not list %s (Rock Ridge names); got %v", p, lbas)
		} else if size >= 0 && got[1] != size {
			t.Errorf("%s: size %d, want %d", p, got[1], size)
		}
	}
	if len(lbas) != len(wantFiles) {
		t.Errorf("xorriso lists %d files, want %d: %v", len(lbas), len(wantFiles), lbas)
	}
	bootLBA := lbas["/isolinux/isolinux.bin"][0]

	t.Run("el torito", func(t *testing.T) {
		out := run(t, "", "xorriso", "-indev", im.iso, "-report_el_torito", "plain", "-report_system_area", "plain")
		for _, re := range []string{
			`El Torito cat path : /isolinux/boot.cat`,
			`El Torito boot img :\s+1\s+BIOS\s+y\s+none\s+0x0000\s+0x00\s+4\s+` + strconv.FormatInt(bootLBA, 10) + `\n`,
			`El Torito img path :\s+1\s+/isolinux/isolinux.bin`,
			`El Torito img opts :\s+1\s+boot-info-table isohybrid-suitable`,
			`System area summary: MBR isohybrid cyl-align-on`,
			`MBR partition\s+:\s+1\s+0x80\s+0x17\s+0\s+` + strconv.FormatInt(im.size/512, 10) + `\n`,
			`Volume id\s+: 'MY_IMAGE'`,
		} {
			if !regexp.MustCompile(re).MatchString(out) {
				t.Errorf("xorriso report lacks %q:\n%s", re, out)
			}
		}
	})

	t.Run("extract", func(t *testing.T) {
		ex := filepath.Join(im.dir, "extract")
		run(t, "", "xorriso", "-osirrox", "on", "-indev", im.iso, "-extract", "/", ex)
		run(t, "", "cmp", im.kernel, filepath.Join(ex, "kernel"))
		run(t, "", "cmp", im.initrd, filepath.Join(ex, "initrd.img"))
		for name, want := range map[string][]byte{
			"ldlinux.c32": im.opts.Boot.LdlinuxC32,
			"boot.cat":    bootCatalog(uint32(bootLBA)),
		} {
			got, err := os.ReadFile(filepath.Join(ex, "isolinux", name))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("extracted isolinux/%s differs from what was written (%v)", name, err)
			}
		}
		cfg, err := os.ReadFile(filepath.Join(ex, "isolinux", "isolinux.cfg"))
		if err != nil {
			t.Fatal(err)
		}
		want := "serial 0 115200\ndefault linux\nprompt 0\ntimeout 0\nlabel linux\n  kernel /kernel\n  append initrd=/initrd.img console=ttyS0 quiet\n"
		if string(cfg) != want {
			t.Errorf("isolinux.cfg =\n%s\nwant\n%s", cfg, want)
		}
		bin, err := os.ReadFile(filepath.Join(ex, "isolinux", "isolinux.bin"))
		if err != nil {
			t.Fatal(err)
		}
		checkBootInfoTable(t, bin, im.opts.Boot.IsolinuxBin, uint32(bootLBA))
	})

	t.Run("media check", func(t *testing.T) {
		out := run(t, "", "xorriso", "-indev", im.iso, "-check_media", "--")
		if !regexp.MustCompile(`Media region\s*:\s*0\s*,\s*` + strconv.FormatInt(im.size/2048, 10) + `\s*,\s*\+ good`).MatchString(out) {
			t.Errorf("xorriso -check_media:\n%s", out)
		}
	})
}

// checkBootInfoTable verifies isolinux.bin as written: bytes 8..63 hold the PVD LBA (16), the
// file's LBA, its length and the sum of its 32-bit words from byte 64; the rest is unchanged.
func checkBootInfoTable(t *testing.T, got, orig []byte, lba uint32) {
	t.Helper()
	if len(got) != len(orig) || !bytes.Equal(got[:8], orig[:8]) || !bytes.Equal(got[64:], orig[64:]) {
		t.Fatalf("isolinux.bin differs from the original outside bytes 8..63")
	}
	var sum uint32
	for i := 64; i+4 <= len(orig); i += 4 {
		sum += binary.LittleEndian.Uint32(orig[i:])
	}
	want := make([]byte, 56)
	binary.LittleEndian.PutUint32(want[0:], 16)
	binary.LittleEndian.PutUint32(want[4:], lba)
	binary.LittleEndian.PutUint32(want[8:], uint32(len(orig)))
	binary.LittleEndian.PutUint32(want[12:], sum)
	if !bytes.Equal(got[8:64], want) {
		t.Errorf("boot-info-table = % x\nwant              % x", got[8:64], want)
	}
}

func TestISOReadByIsoinfo(t *testing.T) {
	testrig.Require(t, "isoinfo")
	im := newTestImage(t)
	desc := run(t, "", "isoinfo", "-d", "-i", im.iso)
	for _, s := range []string{
		"Volume id: MY_IMAGE", "Logical block size is: 2048", "Volume size is: " + strconv.FormatInt(im.size/2048, 10),
		"Rock Ridge signatures version 1 found", "Bootid 88 (bootable)", "Boot media 0 (No Emulation Boot)", "Nsect 4",
	} {
		if !strings.Contains(desc, s) {
			t.Errorf("isoinfo -d lacks %q:\n%s", s, desc)
		}
	}
	list := run(t, "", "isoinfo", "-R", "-l", "-i", im.iso)
	for _, re := range []string{
		`-rw-r--r--\s+1\s+0\s+0\s+` + strconv.Itoa(testKernelSize) + `\s+Apr 18 2017 \[\s*\d+ 00\]\s+kernel\s*\n`,
		`-rw-r--r--\s+1\s+0\s+0\s+` + strconv.Itoa(testInitrdSize) + `\s+Apr 18 2017 \[\s*\d+ 00\]\s+initrd.img\s*\n`,
		`drwxr-xr-x\s+2\s+0\s+0\s+2048 Apr 18 2017 \[\s*\d+ 02\]\s+isolinux\s*\n`,
		`\s+isolinux.bin\s*\n`, `\s+ldlinux.c32\s*\n`, `\s+isolinux.cfg\s*\n`, `\s+boot.cat\s*\n`,
	} {
		if !regexp.MustCompile(re).MatchString(list) {
			t.Errorf("isoinfo -R -l lacks %q:\n%s", re, list)
		}
	}
}
