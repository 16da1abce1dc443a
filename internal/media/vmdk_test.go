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
			var seen progressLog
			if err := WriteVMDK(f, k, i, VMDKOptions{RawOptions: raw, VMDK: vmdk.Options{Compressed: compressed}, Progress: seen.add}); err != nil {
				t.Fatal(err)
			}
			f.Close()
			iso, _ := ISOBIOSSize(k, i, raw.ISOOptions) // only the ISO part crosses the pipe
			seen.check(t, iso, raw.DiskSize)
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
			var seen progressLog
			writeEFI(t, out, func(f *os.File) error {
				return WriteVMDKEFI(f, k, i, VMDKEFIOptions{EFIOptions: opts, VMDK: vmdk.Options{Compressed: compressed}, Progress: seen.add})
			})
			seen.check(t, opts.DiskSize, opts.DiskSize)
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

// progressLog records what a Progress callback heard.
type progressLog struct{ calls []int64 }

func (p *progressLog) add(done int64) { p.calls = append(p.calls, done) }

// check fails unless the counts only grew and ended between min and max bytes.
func (p *progressLog) check(t *testing.T, min, max int64) {
	t.Helper()
	if len(p.calls) == 0 {
		t.Fatal("Progress was never called")
	}
	for i := 1; i < len(p.calls); i++ {
		if p.calls[i] < p.calls[i-1] {
			t.Fatalf("progress went back from %d to %d", p.calls[i-1], p.calls[i])
		}
	}
	if last := p.calls[len(p.calls)-1]; last < min || last > max {
		t.Errorf("progress ended at %d bytes, want %d..%d", last, min, max)
	}
}
