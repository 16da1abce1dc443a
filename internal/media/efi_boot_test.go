package media

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vmdk"
)

// efiBoot is one EFI medium booted in QEMU.
type efiBoot struct {
	name string
	opts testrig.BootOptions
}

// bootEFIMedia writes raw-efi and iso-efi for kernel and initrd (and, with vmdks, vmdk-efi in
// both subformats), then boots the raw disk, the ISO as a CD, the ISO as a disk and the vmdks in
// parallel under firmware, each until nonce appears.
func bootEFIMedia(t *testing.T, fw testrig.Firmware, kernel, initrd string, opts EFIOptions, nonce string, vmdks bool) {
	dir := t.TempDir()
	k, i := isoFile(t, kernel), isoFile(t, initrd)
	raw, iso := filepath.Join(dir, "efi.img"), filepath.Join(dir, "efi.iso")
	writeEFI(t, raw, func(f *os.File) error { return WriteRawEFI(f, k, i, opts) })
	writeEFI(t, iso, func(f *os.File) error { return WriteISOEFI(f, k, i, opts) })
	boots := []efiBoot{
		{"raw-efi disk", testrig.BootOptions{Disk: raw, DiskFormat: "raw"}},
		{"iso-efi as cdrom", testrig.BootOptions{ISO: iso}},
		{"iso-efi as disk", testrig.BootOptions{Disk: iso, DiskFormat: "raw"}},
	}
	for _, compressed := range []bool{false, true} {
		if !vmdks {
			break
		}
		vo := vmdk.Options{Compressed: compressed}
		p := filepath.Join(dir, vo.Subformat()+".vmdk")
		writeEFI(t, p, func(f *os.File) error { return WriteVMDKEFI(f, k, i, VMDKEFIOptions{EFIOptions: opts, VMDK: vo}) })
		boots = append(boots, efiBoot{"vmdk-efi " + vo.Subformat(), testrig.BootOptions{Disk: p, DiskFormat: "vmdk"}})
	}
	for _, b := range boots {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel() // one TCG vCPU each: the boots share the machine's cores
			b.opts.Firmware, b.opts.MemoryMB = fw, 512
			start := time.Now()
			if _, err := testrig.BootAndWait(context.Background(), t, b.opts, testrig.Marker(nonce), testrig.BootTimeout); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: nonce on the serial console after %s", b.name, time.Since(start).Round(time.Millisecond))
		})
	}
}

// TestBootEFI boots Debian's amd64 cloud kernel with a busybox initrd under OVMF (q35, TCG)
// from raw-efi, iso-efi (as a CD and as a disk) and vmdk-efi in both subformats. Only the
// initrd's /init can print the nonce, so seeing it proves the firmware ran the UKI and the stub
// handed the kernel its initrd and command line.
func TestBootEFI(t *testing.T) {
	if testing.Short() {
		t.Skip("QEMU boots are skipped in -short mode")
	}
	stub := hostEFIStub(t, "amd64")
	nonce := fmt.Sprintf("MEDIA-EFI-OK-%016x", rand.Uint64())
	opts := EFIOptions{Arch: "amd64", Stub: stub, Cmdline: "console=ttyS0 panic=-1", VolumeID: "efi-boot"}
	bootEFIMedia(t, testrig.FirmwareOVMF, testrig.Kernel(t), testrig.TinyInitrd(t, nonce), opts, nonce, true)
}

// TestBootEFIARM64 boots Debian's arm64 cloud kernel with an arm64 busybox initrd from raw-efi
// and iso-efi under AAVMF (qemu-system-aarch64 -M virt -cpu max, TCG), with the arm64 stub and
// kernel scripts/arm64.sh fetches. The stub is resolved from a bootloader_dir, as users on an
// amd64 build host would give it.
func TestBootEFIARM64(t *testing.T) {
	if testing.Short() {
		t.Skip("QEMU boots are skipped in -short mode")
	}
	parts := testrig.ARM64Parts(t)
	stub, err := FindEFIStub("arm64", parts.StubDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	nonce := fmt.Sprintf("MEDIA-EFI-ARM64-OK-%016x", rand.Uint64())
	opts := EFIOptions{Arch: "arm64", Stub: stub, Cmdline: testrig.DefaultAppendARM64, VolumeID: "efi-arm64"}
	bootEFIMedia(t, testrig.FirmwareAAVMF, parts.Kernel, testrig.TinyInitrdWith(t, parts.Busybox, nonce), opts, nonce, false)
}
