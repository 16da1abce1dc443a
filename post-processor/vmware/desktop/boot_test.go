package desktop_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/media"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vmdk"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// TestDesktopBootsForReal makes a bootable monolithicSparse vmdk and an
// iso-bios image (Debian's cloud kernel, a busybox initrd whose /init prints
// a nonce), runs the post-processor on each boot medium with the recording
// vmrun, then boots in QEMU the file the generated .vmx points at. Seeing the
// nonce proves the VM folder holds a disk (or ISO) that boots.
func TestDesktopBootsForReal(t *testing.T) {
	if testing.Short() {
		t.Skip("QEMU boots are skipped in -short mode")
	}
	rig := newDesktopRig(t)
	testrig.Require(t, testrig.QEMUBinary)
	boot, err := media.FindBootFiles("", nil)
	if err != nil {
		testrig.Missing(t, "syslinux boot files: %v", err)
	}
	nonce := fmt.Sprintf("DESKTOP-BOOT-OK-%016x", rand.Uint64())
	kernel, err := media.FileFromPath(testrig.Kernel(t))
	if err != nil {
		t.Fatal(err)
	}
	initrd, err := media.FileFromPath(testrig.TinyInitrd(t, nonce))
	if err != nil {
		t.Fatal(err)
	}
	kernel.Path, initrd.Path = media.KernelPath, media.InitrdPath
	opts := media.ISOOptions{VolumeID: media.VolumeID("desktop-boot"), Boot: boot, Cmdline: "console=ttyS0 panic=-1"}

	src := t.TempDir()
	vmdkPath := filepath.Join(src, "lk.vmdk")
	dtWriteFile(t, vmdkPath, func(f *os.File) error {
		return media.WriteVMDK(f, kernel, initrd, media.VMDKOptions{
			RawOptions: media.RawOptions{ISOOptions: opts},
			VMDK:       vmdk.Options{Compressed: false, ExtentName: "lk.vmdk"},
		})
	})
	isoPath := filepath.Join(src, "lk.iso")
	dtWriteFile(t, isoPath, func(f *os.File) error { return media.WriteISOBIOS(f, kernel, initrd, opts) })
	input := vmwaretest.Input("lk", map[string]string{"vmdk": vmdkPath, "iso-bios": isoPath}, true)

	// The post-processor runs for both media first (the vmrun stand-in's
	// environment is this test's), then the two boots share the CPUs.
	work := t.TempDir()
	bootOpts := map[string]testrig.BootOptions{}
	for _, tc := range []struct{ media, device string }{{"disk", "scsi0:0.fileName"}, {"iso", "ide1:0.fileName"}} {
		out := filepath.Join(work, tc.media)
		ui := newDTUI()
		if _, err := vmwaretest.Run(t, context.Background(), ui, input, map[string]interface{}{
			"target": "workstation", "vmrun_path": rig.vmrun, "boot_media": tc.media,
			"output_directory": out, "memory": 512,
		}, nil); err != nil {
			t.Fatalf("boot_media %s: %v\n%s", tc.media, err, ui.errorText())
		}
		vmx := filepath.Join(out, "lk.vmx")
		rig.wantCalls(t, []string{"-T", "ws", "start", vmx, "nogui"})
		name := dtReadVMX(t, vmx)[tc.device]
		if name == "" {
			t.Fatalf("boot_media %s: the .vmx has no %s", tc.media, tc.device)
		}
		file := filepath.Join(out, name) // relative names resolve from the VM folder, as in VMware
		if tc.media == "disk" {
			bootOpts[tc.media] = testrig.BootOptions{Disk: file, DiskFormat: "vmdk", MemoryMB: 512}
		} else {
			bootOpts[tc.media] = testrig.BootOptions{ISO: file, MemoryMB: 512}
		}
	}
	for _, m := range []string{"disk", "iso"} {
		t.Run(m, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			if _, err := testrig.BootAndWait(context.Background(), t, bootOpts[m], testrig.Marker(nonce), testrig.BootTimeout); err != nil {
				t.Fatal(err)
			}
			t.Logf("boot_media %s: the nonce on the serial console after %s", m, time.Since(start).Round(time.Millisecond))
		})
	}
}

// dtWriteFile creates path and fills it with write.
func dtWriteFile(t *testing.T, path string, write func(*os.File) error) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := write(f); err != nil {
		f.Close()
		t.Fatalf("writing %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
