package vmware

import (
	"context"
	"debug/elf"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/media"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vmdk"
)

// dtBootTimeout bounds one TCG boot; boots take 2–9 s on an idle machine.
const dtBootTimeout = 3 * time.Minute

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
		dtMissing(t, "syslinux boot files: %v", err)
	}
	nonce := fmt.Sprintf("DESKTOP-BOOT-OK-%016x", rand.Uint64())
	kernel, err := media.FileFromPath(testrig.Kernel(t))
	if err != nil {
		t.Fatal(err)
	}
	initrd, err := media.FileFromPath(dtBuildInitrd(t, nonce))
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
	input := dtInput("lk", map[string]string{"vmdk": vmdkPath, "iso-bios": isoPath}, true)

	// The post-processor runs for both media first (the vmrun stand-in's
	// environment is this test's), then the two boots share the CPUs.
	work := t.TempDir()
	bootOpts := map[string]testrig.BootOptions{}
	for _, tc := range []struct{ media, device string }{{"disk", "scsi0:0.fileName"}, {"iso", "ide1:0.fileName"}} {
		out := filepath.Join(work, tc.media)
		ui := newDTUI()
		if _, err := dtRun(t, context.Background(), ui, input, map[string]interface{}{
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
			if _, err := testrig.BootAndWait(context.Background(), t, bootOpts[m], testrig.Marker(nonce), dtBootTimeout); err != nil {
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

// dtMissing skips the test, or fails it when CI=true.
func dtMissing(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and a required test part is missing: "+format, args...)
	}
	t.Skipf("skipping: "+format+" (set CI=true to make this a failure)", args...)
}

// dtBuildInitrd builds, with the host's cpio and gzip, a tiny initramfs
// whose /init mounts devtmpfs, prints marker on the console and powers off
// (the approach of internal/media's boot tests). The marker is split in the
// script, so only running it prints the whole string.
func dtBuildInitrd(t *testing.T, marker string) string {
	t.Helper()
	testrig.Require(t, "cpio", "gzip", "find", "sort", "sh")
	busybox := ""
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		if dtIsStaticELF(p) {
			busybox = p
			break
		}
	}
	if busybox == "" {
		dtMissing(t, "a static busybox (apt-get install busybox-static)")
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	for _, d := range []string{"bin", "dev", "proc", "sys"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin", "busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	half := len(marker) / 2
	init := "#!/bin/busybox sh\n" +
		"/bin/busybox mount -t devtmpfs devtmpfs /dev\n" +
		"exec </dev/console >/dev/console 2>&1\n" +
		"a='" + marker[:half] + "'; b='" + marker[half:] + "'\n" +
		"echo \"$a$b\"\n" +
		"/bin/busybox poweroff -f\n"
	if err := os.WriteFile(filepath.Join(root, "init"), []byte(init), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "initrd.img")
	cmd := exec.Command("sh", "-c", "find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -n -9 > "+out)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the initrd: %v\n%s", err, b)
	}
	return out
}

// dtIsStaticELF reports whether p is an ELF executable without a program
// interpreter, one that runs in an initrd without shared libraries.
func dtIsStaticELF(p string) bool {
	f, err := elf.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}
