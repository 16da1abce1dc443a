package desktop_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/media"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// TestDesktopEFIBootsForReal writes real EFI media with the media engine
// (Debian's cloud kernel and a busybox initrd whose /init prints a nonce, in
// a UKI of systemd's stub), runs the post-processor on them with the
// recording vmrun, and boots in QEMU the file each generated .vmx points at:
// Workstation's vmdk-efi and iso-efi under OVMF (q35), and Fusion's arm64
// vmdk-efi (an Apple silicon host played) under AAVMF (virt, cpu max). The
// nonce on the serial console proves the VM folder holds media that boot
// with the VMX's firmware.
func TestDesktopEFIBootsForReal(t *testing.T) {
	if testing.Short() {
		t.Skip("QEMU boots are skipped in -short mode")
	}
	rig := newDesktopRig(t)
	testrig.Require(t, testrig.QEMUBinary, testrig.QEMUBinaryARM64)
	nonce := fmt.Sprintf("DESKTOP-EFI-OK-%016x", rand.Uint64())
	arm := testrig.ARM64Parts(t)
	src := t.TempDir()
	amdFormats := vmwaretest.EFIMedia(t, src, "lk", media.EFIOptions{
		Arch: artifact.ArchAMD64, Stub: vmwaretest.EFIStub(t, artifact.ArchAMD64), Cmdline: testrig.DefaultAppend, VolumeID: "desktop-efi",
	}, testrig.Kernel(t), testrig.TinyInitrd(t, nonce), false, artifact.FormatVMDKEFI, artifact.FormatISOEFI)
	armDir := t.TempDir()
	armFormats := vmwaretest.EFIMedia(t, armDir, "lka", media.EFIOptions{
		Arch: artifact.ArchARM64, Stub: vmwaretest.EFIStub(t, artifact.ArchARM64), Cmdline: testrig.DefaultAppendARM64, VolumeID: "desktop-arm",
	}, arm.Kernel, testrig.TinyInitrdWith(t, arm.Busybox, nonce), false, artifact.FormatVMDKEFI)

	// The post-processor runs first (the vmrun stand-in's environment is this
	// test's), then the boots share the CPUs.
	work := t.TempDir()
	boots := map[string]testrig.BootOptions{}
	for _, tc := range []struct {
		name, target, arch, media, device string
		formats                           map[string]string
		fw                                testrig.Firmware
	}{
		{"workstation vmdk-efi", "workstation", artifact.ArchAMD64, "disk", "scsi0:0.fileName", amdFormats, testrig.FirmwareOVMF},
		{"workstation iso-efi", "workstation", artifact.ArchAMD64, "iso", "ide1:0.fileName", amdFormats, testrig.FirmwareOVMF},
		{"fusion arm64 vmdk-efi", "fusion", artifact.ArchARM64, "disk", "nvme0:0.fileName", armFormats, testrig.FirmwareAAVMF},
	} {
		vmwaretest.PlayHost(t, tc.arch == artifact.ArchARM64)
		out := filepath.Join(work, tc.target+"-"+tc.media)
		ui := newDTUI()
		if _, err := vmwaretest.Run(t, context.Background(), ui, vmwaretest.InputArch("lk", tc.arch, tc.formats, true), map[string]interface{}{
			"target": tc.target, "vmrun_path": rig.vmrun, "boot_media": tc.media, "output_directory": out, "memory": 1024,
		}, nil); err != nil {
			t.Fatalf("%s: %v\n%s", tc.name, err, ui.errorText())
		}
		vmx := dtReadVMX(t, filepath.Join(out, "lk.vmx"))
		if vmx["firmware"] != "efi" || vmx[tc.device] == "" {
			t.Fatalf("%s: the .vmx has firmware %q and %s %q", tc.name, vmx["firmware"], tc.device, vmx[tc.device])
		}
		file := filepath.Join(out, vmx[tc.device]) // relative names resolve from the VM folder, as in VMware
		opts := testrig.BootOptions{Firmware: tc.fw, MemoryMB: 1024, Disk: file, DiskFormat: "vmdk"}
		if tc.media == "iso" {
			opts = testrig.BootOptions{Firmware: tc.fw, MemoryMB: 1024, ISO: file}
		}
		boots[tc.name] = opts
		rig.calls(t)
	}
	for name, opts := range boots {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			if _, err := testrig.BootAndWait(context.Background(), t, opts, testrig.Marker(nonce), testrig.BootTimeout); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: the nonce on the serial console after %s", name, time.Since(start).Round(time.Millisecond))
		})
	}
}
