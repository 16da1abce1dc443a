package media

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// benchSizes are the initrd sizes benchmarked: allocations per op must not grow with them.
var benchSizes = []int64{8 << 20, 128 << 20}

// benchKernelSize is about the size of Debian's cloud kernel.
const benchKernelSize = 14 << 20

// BenchmarkISO writes iso-bios images to a file; compare with BenchmarkXorrisoISO, the peer
// doing the same work (DESIGN §7).
func BenchmarkISO(b *testing.B) {
	boot := hostBootFiles(b)
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("initrd=%dMiB", size>>20), func(b *testing.B) {
			dir := b.TempDir()
			k := isoFile(b, randomFile(b, dir, "kernel", benchKernelSize))
			i := isoFile(b, randomFile(b, dir, "initrd", size))
			opts := ISOOptions{Boot: boot, Cmdline: "console=ttyS0"}
			total, err := ISOBIOSSize(k, i, opts)
			if err != nil {
				b.Fatal(err)
			}
			out := filepath.Join(dir, "x.iso")
			b.SetBytes(total)
			b.ReportAllocs()
			for b.Loop() {
				f, err := os.Create(out)
				if err != nil {
					b.Fatal(err)
				}
				if err := WriteISOBIOS(f, k, i, opts); err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
		})
	}
}

// BenchmarkRawBIOS writes 1 GiB raw-bios disks (sparse past the ISO) to a file.
func BenchmarkRawBIOS(b *testing.B) {
	boot := hostBootFiles(b)
	dir := b.TempDir()
	k := isoFile(b, randomFile(b, dir, "kernel", benchKernelSize))
	i := isoFile(b, randomFile(b, dir, "initrd", benchSizes[0]))
	opts := RawOptions{ISOOptions: ISOOptions{Boot: boot}, DiskSize: 1 << 30}
	out := filepath.Join(dir, "x.img")
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Create(out)
		if err != nil {
			b.Fatal(err)
		}
		if err := WriteRawBIOS(f, k, i, opts); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

// BenchmarkXorrisoISO runs `xorriso -as mkisofs` on the same tree as BenchmarkISO.
func BenchmarkXorrisoISO(b *testing.B) {
	boot := hostBootFiles(b)
	testrig.Require(b, "xorriso")
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("initrd=%dMiB", size>>20), func(b *testing.B) {
			dir := b.TempDir()
			kernel := randomFile(b, dir, "kernel.src", benchKernelSize)
			initrd := randomFile(b, dir, "initrd.src", size)
			tree := xorrisoTree(b, dir, kernel, initrd, boot, "console=ttyS0")
			isohdpfx := filepath.Join(dir, IsohdpfxBinName)
			if err := os.WriteFile(isohdpfx, boot.IsohdpfxBin, 0o644); err != nil {
				b.Fatal(err)
			}
			out := filepath.Join(dir, "x.iso")
			b.SetBytes(benchKernelSize + size)
			for b.Loop() {
				os.Remove(out)
				xorrisoISO(b, tree, out, isohdpfx)
			}
		})
	}
}
