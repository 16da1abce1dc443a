package media

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// fakeBootFiles are minimal files that pass Validate: the isohybrid signature at 0x40, an ELF
// header, 432 bytes of MBR code. tag makes each set distinguishable.
func fakeBootFiles(tag byte) BootFiles {
	isolinux := make([]byte, 2048)
	binary.LittleEndian.PutUint32(isolinux[isohybridMagicOffset:], isohybridMagic)
	copy(isolinux[100:], "ISOLINUX 9.99 20300101 ")
	isolinux[200] = tag
	return BootFiles{
		IsolinuxBin: isolinux,
		LdlinuxC32:  append([]byte("\x7fELF"), tag),
		IsohdpfxBin: append(make([]byte, 431), tag),
	}
}

// writeBootDir writes the files of b (those named in names) side by side into a new folder.
func writeBootDir(t *testing.T, b BootFiles, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string][]byte{IsolinuxBinName: b.IsolinuxBin, LdlinuxC32Name: b.LdlinuxC32, IsohdpfxBinName: b.IsohdpfxBin}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), files[n], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var allBootNames = []string{IsolinuxBinName, LdlinuxC32Name, IsohdpfxBinName}

func TestFindBootFilesDir(t *testing.T) {
	want := fakeBootFiles(1)
	dir := writeBootDir(t, want, allBootNames...)
	host := []bootSet{flatSet("host", writeBootDir(t, fakeBootFiles(2), allBootNames...))}
	got, err := findBootFiles(dir, host, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Sums()[IsolinuxBinName] != want.Sums()[IsolinuxBinName] || got.Sources[LdlinuxC32Name] != filepath.Join(dir, LdlinuxC32Name) {
		t.Errorf("bootloader_dir not used: %v", got.Sources)
	}
	if v := got.Version(); v != "9.99 20300101" {
		t.Errorf("Version() = %q", v)
	}

	// A bootloader_dir lacking a file is an error naming it, never a silent fallback.
	partial := writeBootDir(t, want, IsolinuxBinName, IsohdpfxBinName)
	_, err = findBootFiles(partial, host, nil)
	if err == nil || !strings.Contains(err.Error(), "bootloader_dir "+partial) || !strings.Contains(err.Error(), LdlinuxC32Name) {
		t.Errorf("missing ldlinux.c32 in bootloader_dir: %v", err)
	}
}

func TestFindBootFilesHostOrder(t *testing.T) {
	second := fakeBootFiles(2)
	broken := fakeBootFiles(3)
	broken.IsolinuxBin[isohybridMagicOffset] ^= 0xff // an old isolinux.bin without isohybrid support
	sets := []bootSet{
		flatSet("incomplete", writeBootDir(t, fakeBootFiles(1), IsolinuxBinName, LdlinuxC32Name)),
		flatSet("no isohybrid", writeBootDir(t, broken, allBootNames...)),
		flatSet("complete", writeBootDir(t, second, allBootNames...)),
	}
	got, err := findBootFiles("", sets, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Sums()[IsohdpfxBinName] != second.Sums()[IsohdpfxBinName] || !strings.HasPrefix(got.Sources[IsolinuxBinName], sets[2].isolinux) {
		t.Errorf("want the first complete, valid set; got %v", got.Sources)
	}
}

func TestFindBootFilesImage(t *testing.T) {
	want := fakeBootFiles(4)
	img := fstest.MapFS{
		"usr/share/syslinux/isolinux.bin": {Data: want.IsolinuxBin},
		"usr/share/syslinux/ldlinux.c32":  {Data: want.LdlinuxC32},
		"usr/share/syslinux/isohdpfx.bin": {Data: want.IsohdpfxBin},
	}
	noHost := []bootSet{flatSet("empty", t.TempDir())}
	image := &BootImage{Ref: "example/syslinux:1", Open: func() (fs.FS, error) { return img, nil }}
	got, err := findBootFiles("", noHost, image)
	if err != nil {
		t.Fatal(err)
	}
	if got.Sums()[LdlinuxC32Name] != want.Sums()[LdlinuxC32Name] || got.Sources[IsolinuxBinName] != "example/syslinux:1:/usr/share/syslinux/isolinux.bin" {
		t.Errorf("image files not used: %v", got.Sources)
	}

	// Nothing anywhere: the error names all three ways.
	failing := &BootImage{Ref: "example/none:1", Open: func() (fs.FS, error) { return nil, errors.New("pull refused") }}
	for _, image := range []*BootImage{nil, failing} {
		_, err = findBootFiles("", noHost, image)
		if err == nil {
			t.Fatal("no boot files anywhere, no error")
		}
		for _, s := range []string{"bootloader_dir", "apt-get install isolinux", "bootloader_image", DefaultBootloaderImage, "empty:"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error lacks %q:\n%v", s, err)
			}
		}
	}
	if !strings.Contains(err.Error(), "pull refused") {
		t.Errorf("error hides the image failure: %v", err)
	}
}

func TestFindBootFilesHost(t *testing.T) {
	b := hostBootFiles(t)
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	sums := b.Sums()
	if len(sums) != 3 || len(sums[IsolinuxBinName]) != 64 {
		t.Errorf("Sums() = %v", sums)
	}
	t.Logf("host syslinux %s from %v", b.Version(), b.Sources)
}

func TestBootFilesValidate(t *testing.T) {
	for name, mutate := range map[string]func(*BootFiles){
		"short isolinux":    func(b *BootFiles) { b.IsolinuxBin = b.IsolinuxBin[:10] },
		"no isohybrid sig":  func(b *BootFiles) { b.IsolinuxBin[isohybridMagicOffset+1] = 0 },
		"ldlinux not ELF":   func(b *BootFiles) { b.LdlinuxC32 = []byte("MZ") },
		"short mbr":         func(b *BootFiles) { b.IsohdpfxBin = b.IsohdpfxBin[:431] },
		"empty boot files":  func(b *BootFiles) { *b = BootFiles{} },
		"missing isohdpfx:": func(b *BootFiles) { b.IsohdpfxBin = nil },
	} {
		b := fakeBootFiles(9)
		mutate(&b)
		if err := b.Validate(); err == nil {
			t.Errorf("%s: Validate accepted it", name)
		}
	}
	if err := fakeBootFiles(9).Validate(); err != nil {
		t.Errorf("valid files rejected: %v", err)
	}
}
