package media

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/uki"
)

// hostEFIStub returns the host's systemd stub for arch (Debian: systemd-boot-efi).
func hostEFIStub(t testing.TB, arch string) EFIStub {
	t.Helper()
	s, err := FindEFIStub(arch, "", nil)
	if err != nil {
		testrig.Missing(t, "systemd's EFI stub for %s: %v", arch, err)
	}
	return s
}

// writeEFI writes an EFI image with write to path.
func writeEFI(t testing.TB, path string, write func(*os.File) error) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := write(f); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// expectedUKI builds, through internal/uki alone, the UKI the ESP must hold.
func expectedUKI(t testing.TB, kernel, initrd ISOFile, opts EFIOptions) []byte {
	t.Helper()
	im, err := uki.Build(opts.Stub.Data, uki.Parts{OSRel: []byte(DefaultOSRelease), Cmdline: opts.Cmdline,
		Linux: uki.Section{Size: kernel.Size, Open: kernel.Open}, Initrd: uki.Section{Size: initrd.Size, Open: initrd.Open}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := im.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestEFIImages checks raw-efi and iso-efi with the host's tools: sgdisk verifies the GPT,
// fsck.vfat the ESP, mtools reads the UKI back byte for byte, xorriso sees the EFI El Torito
// entry; and a second build of each is byte-identical.
func TestEFIImages(t *testing.T) {
	testrig.Require(t, "sgdisk", "mcopy", "fsck.vfat", "xorriso")
	stub := hostEFIStub(t, "amd64")
	dir := t.TempDir()
	k := isoFile(t, randomFile(t, dir, "kernel", 3<<20+5))
	i := isoFile(t, randomFile(t, dir, "initrd", 2<<20+7))
	opts := EFIOptions{Arch: "amd64", Stub: stub, Cmdline: "console=ttyS0", VolumeID: "efi-test", Digest: []byte("spec")}
	want := expectedUKI(t, k, i, opts)

	raw, iso := filepath.Join(dir, "disk.img"), filepath.Join(dir, "disk.iso")
	writeEFI(t, raw, func(f *os.File) error { return WriteRawEFI(f, k, i, opts) })
	writeEFI(t, iso, func(f *os.File) error { return WriteISOEFI(f, k, i, opts) })
	for path, size := range map[string]func(ISOFile, ISOFile, EFIOptions) (int64, error){raw: RawEFISize, iso: ISOEFISize} {
		n, err := size(k, i, opts)
		fi, _ := os.Stat(path)
		if err != nil || fi.Size() != n {
			t.Errorf("%s: %d bytes, the size function says %d (%v)", path, fi.Size(), n, err)
		}
		if out := run(t, dir, "sgdisk", "-v", path); !strings.Contains(out, "No problems found") {
			t.Errorf("sgdisk -v %s:\n%s", path, out)
		}
	}
	esp := filepath.Join(dir, "esp.img")
	disk, err := RawEFISize(k, i, opts)
	if err != nil {
		t.Fatal(err)
	}
	run(t, dir, "dd", "if="+raw, "of="+esp, "bs=1M", "skip=1", "count="+strconv.FormatInt(disk>>20-2, 10)) // the default disk: 1 MiB, the ESP, 1 MiB
	run(t, dir, "fsck.vfat", "-n", esp)
	run(t, dir, "mcopy", "-n", "-i", raw+"@@1M", "::EFI/BOOT/BOOTX64.EFI", filepath.Join(dir, "raw.efi"))
	run(t, dir, "xorriso", "-osirrox", "on", "-indev", iso, "-extract", "/"+ESPImagePath, filepath.Join(dir, "iso-esp.img"))
	run(t, dir, "fsck.vfat", "-n", filepath.Join(dir, "iso-esp.img"))
	run(t, dir, "mcopy", "-n", "-i", filepath.Join(dir, "iso-esp.img"), "::EFI/BOOT/BOOTX64.EFI", filepath.Join(dir, "iso.efi"))
	for _, name := range []string{"raw.efi", "iso.efi"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: the UKI read back (%d bytes) differs from the one built (%d bytes): %v", name, len(got), len(want), err)
		}
	}
	report := run(t, dir, "xorriso", "-indev", iso, "-report_el_torito", "plain")
	if !strings.Contains(report, "UEFI") {
		t.Errorf("xorriso finds no UEFI El Torito entry:\n%s", report)
	}

	for path, write := range map[string]func(*os.File) error{
		raw: func(f *os.File) error { return WriteRawEFI(f, k, i, opts) },
		iso: func(f *os.File) error { return WriteISOEFI(f, k, i, opts) },
	} {
		again := path + ".again"
		writeEFI(t, again, write)
		if a, b := sha256File(t, path), sha256File(t, again); a != b {
			t.Errorf("%s: rebuild differs: %s vs %s", filepath.Base(path), a, b)
		}
	}
}

func TestEFIRejects(t *testing.T) {
	stub := hostEFIStub(t, "amd64")
	dir := t.TempDir()
	k := isoFile(t, randomFile(t, dir, "k", 1<<20))
	i := isoFile(t, randomFile(t, dir, "i", 1<<20))
	ok := EFIOptions{Arch: "amd64", Stub: stub}
	cases := map[string]struct {
		opts   EFIOptions
		kernel ISOFile
		want   string
	}{
		"disk too small":   {EFIOptions{Arch: "amd64", Stub: stub, DiskSize: 4 << 20}, k, "at least"},
		"disk not sectors": {EFIOptions{Arch: "amd64", Stub: stub, DiskSize: 64<<20 + 1}, k, "multiple of 512"},
		"NUL in cmdline":   {EFIOptions{Arch: "amd64", Stub: stub, Cmdline: "a\x00b"}, k, "NUL"},
		"no kernel":        {ok, ISOFile{Path: "k"}, "kernel"},
		"no arch":          {EFIOptions{Stub: stub}, k, "amd64 or arm64"},
	}
	for name, c := range cases {
		err := WriteRawEFI(io.Discard, c.kernel, i, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", name, err, c.want)
		}
	}
	// A source that changed size after the layout is an error, not a corrupt image.
	short := i
	short.Size++
	if err := WriteISOEFI(io.Discard, k, short, ok); err == nil {
		t.Errorf("an initrd shorter than declared was written without error")
	}
}
