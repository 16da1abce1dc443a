package media

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vmdk"
)

// TestVMDKHoldsRawBIOS checks both subformats with qemu-img (check, then convert back to raw)
// and compares the result with the raw-bios disk, which TestBootBIOS boots.
func TestVMDKHoldsRawBIOS(t *testing.T) {
	testrig.Require(t, "qemu-img", "cmp")
	boot := hostBootFiles(t)
	dir := t.TempDir()
	k := isoFile(t, randomFile(t, dir, "k", 1<<20+3))
	i := isoFile(t, randomFile(t, dir, "i", 2<<20+5))
	raw := RawOptions{ISOOptions: ISOOptions{Boot: boot}, DiskSize: 32 << 20}
	img := filepath.Join(dir, "disk.img")
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteRawBIOS(f, k, i, raw); err != nil {
		t.Fatal(err)
	}
	f.Close()

	for _, compressed := range []bool{false, true} {
		name := vmdk.Options{Compressed: compressed}.Subformat()
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(dir, name+".vmdk")
			f, err := os.Create(out)
			if err != nil {
				t.Fatal(err)
			}
			if err := WriteVMDK(f, k, i, VMDKOptions{RawOptions: raw, VMDK: vmdk.Options{Compressed: compressed}}); err != nil {
				t.Fatal(err)
			}
			f.Close()
			run(t, "", "qemu-img", "check", out)
			back := filepath.Join(dir, name+".raw")
			run(t, "", "qemu-img", "convert", "-f", "vmdk", "-O", "raw", out, back)
			run(t, "", "cmp", img, back)
		})
	}

	raw.DiskSize = 1 << 20
	if err := WriteVMDK(nil, k, i, VMDKOptions{RawOptions: raw}); err == nil {
		t.Error("a disk smaller than the ISO was accepted")
	}
}

// TestVMDKHoldsRawEFI is TestVMDKHoldsRawBIOS for vmdk-efi: qemu-img check, convert back to
// raw, and cmp against the raw-efi disk.
func TestVMDKHoldsRawEFI(t *testing.T) {
	testrig.Require(t, "qemu-img", "cmp")
	stub := hostEFIStub(t, "amd64")
	dir := t.TempDir()
	k := isoFile(t, randomFile(t, dir, "k", 1<<20+3))
	i := isoFile(t, randomFile(t, dir, "i", 2<<20+5))
	opts := EFIOptions{Arch: "amd64", Stub: stub, DiskSize: 96 << 20}
	img := filepath.Join(dir, "disk.img")
	writeEFI(t, img, func(f *os.File) error { return WriteRawEFI(f, k, i, opts) })
	for _, compressed := range []bool{false, true} {
		name := vmdk.Options{Compressed: compressed}.Subformat()
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(dir, name+".vmdk")
			writeEFI(t, out, func(f *os.File) error {
				return WriteVMDKEFI(f, k, i, VMDKEFIOptions{EFIOptions: opts, VMDK: vmdk.Options{Compressed: compressed}})
			})
			run(t, "", "qemu-img", "check", out)
			back := filepath.Join(dir, name+".raw")
			run(t, "", "qemu-img", "convert", "-f", "vmdk", "-O", "raw", out, back)
			run(t, "", "cmp", img, back)
		})
	}
	opts.DiskSize = 8 << 20
	if err := WriteVMDKEFI(nil, k, i, VMDKEFIOptions{EFIOptions: opts}); err == nil {
		t.Error("a disk smaller than the ESP was accepted")
	}
}
