package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// xorrisoTree lays out the same files xorriso gets: isolinux/{isolinux.bin, ldlinux.c32,
// isolinux.cfg}, kernel and initrd.img.
func xorrisoTree(t testing.TB, dir, kernel, initrd string, boot BootFiles, cmdline string) string {
	t.Helper()
	tree := filepath.Join(dir, "tree")
	if err := os.MkdirAll(filepath.Join(tree, "isolinux"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg, err := isolinuxConfig(cmdline)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		IsolinuxBinPath: boot.IsolinuxBin, LdlinuxC32Path: boot.LdlinuxC32, IsolinuxCfgPath: cfg,
	} {
		if err := os.WriteFile(filepath.Join(tree, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for src, name := range map[string]string{kernel: KernelPath, initrd: InitrdPath} {
		if err := os.Link(src, filepath.Join(tree, name)); err != nil {
			t.Fatal(err)
		}
	}
	return tree
}

// xorrisoISO runs the reference command of toolchain.md §5 on tree.
func xorrisoISO(t testing.TB, tree, out, isohdpfx string) {
	t.Helper()
	run(t, "", "xorriso", "-as", "mkisofs", "-o", out, "-b", "isolinux/isolinux.bin", "-c", "isolinux/boot.cat",
		"-no-emul-boot", "-boot-load-size", "4", "-boot-info-table", "-isohybrid-mbr", isohdpfx,
		"-R", "-J", "-V", "LINUXKIT", tree)
}

// TestISOComparedWithXorriso builds the same tree with xorriso: sizes within 2 %, and the same
// isohybrid MBR except the two fields that must differ (isolinux.bin's LBA, the disk signature).
func TestISOComparedWithXorriso(t *testing.T) {
	testrig.Require(t, "xorriso")
	boot := hostBootFiles(t)
	dir := t.TempDir()
	kernel := randomFile(t, dir, "kernel.src", testKernelSize)
	initrd := randomFile(t, dir, "initrd.src", testInitrdSize)
	const cmdline = "console=ttyS0"
	isohdpfx := filepath.Join(dir, IsohdpfxBinName)
	if err := os.WriteFile(isohdpfx, boot.IsohdpfxBin, 0o644); err != nil {
		t.Fatal(err)
	}
	tree := xorrisoTree(t, dir, kernel, initrd, boot, cmdline)

	theirs := filepath.Join(dir, "xorriso.iso")
	start := time.Now()
	xorrisoISO(t, tree, theirs, isohdpfx)
	theirTime := time.Since(start)

	ours := filepath.Join(dir, "ours.iso")
	start = time.Now()
	writeISOFile(t, ours, isoFile(t, kernel), isoFile(t, initrd), ISOOptions{VolumeID: "LINUXKIT", Boot: boot, Cmdline: cmdline})
	ourTime := time.Since(start)

	a, b := readFile(t, ours), readFile(t, theirs)
	t.Logf("ours: %d bytes in %s; xorriso: %d bytes in %s", len(a), ourTime, len(b), theirTime)
	if diff := float64(len(a)-len(b)) / float64(len(b)); diff > 0.02 || diff < -0.02 {
		t.Errorf("our image is %d bytes, xorriso's %d: %.1f%% apart (limit 2%%)", len(a), len(b), 100*diff)
	}

	ourLBA, theirLBA := fileLBAs(t, ours)["/isolinux/isolinux.bin"][0], fileLBAs(t, theirs)["/isolinux/isolinux.bin"][0]
	if got := binary.LittleEndian.Uint64(a[432:]); got != uint64(ourLBA)*4 {
		t.Errorf("MBR boot LBA = %d, want isolinux.bin's %d × 4", got, ourLBA)
	}
	if got := binary.LittleEndian.Uint64(b[432:]); got != uint64(theirLBA)*4 {
		t.Fatalf("xorriso's MBR boot LBA = %d, want %d × 4: the reference is not what this test assumes", got, theirLBA)
	}
	if !bytes.Equal(a[:432], b[:432]) {
		t.Errorf("MBR code differs from xorriso's")
	}
	if len(a) == len(b) && !bytes.Equal(a[444:512], b[444:512]) {
		t.Errorf("partition table differs from xorriso's for the same image size:\nours    % x\nxorriso % x", a[446:462], b[446:462])
	}
	if !bytes.Equal(a[512:16*2048], make([]byte, 16*2048-512)) {
		t.Errorf("system area after the MBR is not zero")
	}
	// The boot-info-table checksum covers bytes 64.. of isolinux.bin, which do not depend on where
	// it lies: both tools must agree on it.
	ourSum := binary.LittleEndian.Uint32(a[ourLBA*2048+20:])
	theirSum := binary.LittleEndian.Uint32(b[theirLBA*2048+20:])
	if ourSum != theirSum {
		t.Errorf("boot-info-table checksum 0x%08x, xorriso's 0x%08x", ourSum, theirSum)
	}
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hashWriter is a plain io.Writer (no Seek, no ReadFrom): the streaming path.
type hashWriter struct {
	h interface{ Write([]byte) (int, error) }
}

func (w hashWriter) Write(p []byte) (int, error) { return w.h.Write(p) }

func TestISODeterministic(t *testing.T) {
	boot := hostBootFiles(t)
	dir := t.TempDir()
	k := isoFile(t, randomFile(t, dir, "k", 1<<20+3))
	i := isoFile(t, randomFile(t, dir, "i", 2<<20+5))
	opts := ISOOptions{VolumeID: "det", Boot: boot, Cmdline: "console=ttyS0"}

	one, two := filepath.Join(dir, "1.iso"), filepath.Join(dir, "2.iso")
	writeISOFile(t, one, k, i, opts)
	writeISOFile(t, two, k, i, opts)
	sum := sha256File(t, one)
	if other := sha256File(t, two); other != sum {
		t.Fatalf("two writes differ: %s vs %s", sum, other)
	}
	h := sha256.New()
	if err := WriteISOBIOS(hashWriter{h}, k, i, opts); err != nil {
		t.Fatal(err)
	}
	if streamed := hex.EncodeToString(h.Sum(nil)); streamed != sum {
		t.Errorf("writing to a plain io.Writer gives %s, to a file %s", streamed, sum)
	}

	pvd := readFile(t, one)[16*2048 : 17*2048]
	if got := string(pvd[813:829]); got != "2017041816300000" {
		t.Errorf("creation date %q, want LinuxKit's 2017-04-18T16:30:00Z", got)
	}
	if got := string(pvd[40:72]); got != "DET                             " {
		t.Errorf("volume id %q", got)
	}

	opts.ModTime = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	h.Reset()
	if err := WriteISOBIOS(hashWriter{h}, k, i, opts); err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(h.Sum(nil)) == sum {
		t.Errorf("a different ModTime gives the same image")
	}
}

func TestRawBIOS(t *testing.T) {
	boot := hostBootFiles(t)
	dir := t.TempDir()
	k := isoFile(t, randomFile(t, dir, "k", 1<<20+3))
	i := isoFile(t, randomFile(t, dir, "i", 2<<20+5))
	opts := RawOptions{ISOOptions: ISOOptions{Boot: boot}}
	isoSize, err := ISOBIOSSize(k, i, opts.ISOOptions)
	if err != nil {
		t.Fatal(err)
	}
	size, err := RawBIOSSize(k, i, opts)
	if err != nil || size != isoSize+1<<20 {
		t.Fatalf("default disk size = %d, %v; want the ISO (%d) + 1 MiB", size, err, isoSize)
	}

	iso := filepath.Join(dir, "x.iso")
	writeISOFile(t, iso, k, i, opts.ISOOptions)
	for _, diskSize := range []int64{0, 64 << 20} {
		img := filepath.Join(dir, "x.img")
		f, err := os.Create(img)
		if err != nil {
			t.Fatal(err)
		}
		opts.DiskSize = diskSize
		if err := WriteRawBIOS(f, k, i, opts); err != nil {
			t.Fatal(err)
		}
		f.Close()
		want, _ := RawBIOSSize(k, i, opts)
		data := readFile(t, img)
		if int64(len(data)) != want {
			t.Errorf("DiskSize %d: wrote %d bytes, want %d", diskSize, len(data), want)
		}
		if !bytes.Equal(data[:isoSize], readFile(t, iso)) {
			t.Errorf("DiskSize %d: the disk does not start with the iso-bios image", diskSize)
		}
		if !bytes.Equal(data[isoSize:], make([]byte, len(data)-int(isoSize))) {
			t.Errorf("DiskSize %d: the disk is not zero past the ISO", diskSize)
		}
		h := sha256.New()
		if err := WriteRawBIOS(hashWriter{h}, k, i, opts); err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(h.Sum(nil)) != sha256File(t, img) {
			t.Errorf("DiskSize %d: streamed disk differs from the sparse file", diskSize)
		}
	}

	for _, tc := range []struct {
		size int64
		want string
	}{
		{1 << 20, fmt.Sprintf("disk_size must be at least %d bytes (%dM)", isoSize, isoSize>>20)},
		{64<<20 + 1, "not a positive multiple of 512"},
		{-512, "not a positive multiple of 512"},
	} {
		opts.DiskSize = tc.size
		err := WriteRawBIOS(io.Discard, k, i, opts)
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
			t.Errorf("DiskSize %d: error %v, want one containing %q", tc.size, err, tc.want)
		}
	}
}
