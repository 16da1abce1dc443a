package desktop_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vmdk"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// TestDesktopFusionDisk runs the post-processor in process on a vmdk
// artifact shaped like Packer's RPC delivers it, with the recording vmrun:
// the exact vmrun calls, the .vmx read back key by key, the copied boot disk,
// the extra disks and the artifact.
func TestDesktopFusionDisk(t *testing.T) {
	rig := newDesktopRig(t)
	t.Setenv("VMRUN_GUEST_IP", "10.11.12.13")
	src := t.TempDir()
	boot := filepath.Join(src, "lk.vmdk")
	vmwaretest.VMDK(t, boot, false)
	out := filepath.Join(t.TempDir(), "vm")

	ui := newDTUI()
	a, err := vmwaretest.Run(t, context.Background(), ui, vmwaretest.Input("lk", map[string]string{"vmdk": boot}, true), map[string]interface{}{
		"target":           "fusion",
		"vmrun_path":       rig.vmrun,
		"vm_name":          "demo",
		"cpus":             2,
		"memory":           2048,
		"disks":            []string{"1M", "2M"},
		"output_directory": out,
		"guestinfo":        map[string]string{"userdata": "e30=", "userdata.encoding": "base64"},
		"vmx_data":         map[string]string{"annotation": "built by a test", "guestinfo.userdata": "loses to guestinfo"},
		"wait_for_ip":      true,
		"keep_running":     false,
	}, nil)
	if err != nil {
		t.Fatalf("PostProcess: %v\nUI errors:\n%s", err, ui.errorText())
	}
	vmx := filepath.Join(out, "demo.vmx")
	rig.wantCalls(t,
		[]string{"-T", "fusion", "start", vmx, "nogui"},
		[]string{"-T", "fusion", "getGuestIPAddress", vmx, "-wait"},
		[]string{"-T", "fusion", "stop", vmx, "soft"},
	)

	dtWantVMX(t, dtReadVMX(t, vmx), dtMerge(dtBaseVMX("demo", "2", "2048"), map[string]string{
		"ethernet0.present":           "TRUE",
		"ethernet0.connectionType":    "nat",
		"ethernet0.virtualDev":        "vmxnet3",
		"ethernet0.addressType":       "generated",
		"scsi0.present":               "TRUE",
		"scsi0.virtualDev":            "lsilogic",
		"scsi0:0.present":             "TRUE",
		"scsi0:0.fileName":            "lk.vmdk",
		"scsi0:1.present":             "TRUE",
		"scsi0:1.fileName":            "demo-disk1.vmdk",
		"scsi0:2.present":             "TRUE",
		"scsi0:2.fileName":            "demo-disk2.vmdk",
		"bios.bootOrder":              "hdd",
		"serial0.present":             "TRUE",
		"serial0.fileType":            "file",
		"serial0.fileName":            "console.log",
		"serial0.yieldOnMsrRead":      "TRUE",
		"serial0.startConnected":      "TRUE",
		"annotation":                  "built by a test",
		"guestinfo.userdata":          "e30=",
		"guestinfo.userdata.encoding": "base64",
	}))

	// The boot disk is a copy, byte for byte, and the extra disks are sparse
	// vmdks of the sizes asked.
	want, _ := os.ReadFile(boot)
	got, err := os.ReadFile(filepath.Join(out, "lk.vmdk"))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("the VM's boot disk is not a copy of the artifact's (err %v)", err)
	}
	for name, size := range map[string]uint64{"demo-disk1.vmdk": 1 << 20, "demo-disk2.vmdk": 2 << 20} {
		p := filepath.Join(out, name)
		if ct, err := vmdk.Subformat(p); err != nil || ct != "monolithicSparse" {
			t.Errorf("%s: createType %q, %v", name, ct, err)
		}
		if c := dtVMDKCapacity(t, p); c != size {
			t.Errorf("%s: capacity %d bytes, want %d", name, c, size)
		}
	}

	if a.BuilderId() != "seed844b7c54.linuxkit-vmware" || a.Id() != vmx {
		t.Errorf("artifact BuilderId %q, Id %q", a.BuilderId(), a.Id())
	}
	wantFiles := []string{filepath.Join(out, "demo-disk1.vmdk"), filepath.Join(out, "demo-disk2.vmdk"), vmx, filepath.Join(out, "lk.vmdk")}
	if strings.Join(a.Files(), "\n") != strings.Join(wantFiles, "\n") {
		t.Errorf("Files() = %q, want %q", a.Files(), wantFiles)
	}
	for key, want := range map[string]interface{}{"vm_name": "demo", "vmx_path": vmx, "ip": "10.11.12.13", "target": "fusion", "spec_digest": vmwaretest.SpecDigest} {
		if got := a.State(key); got != want {
			t.Errorf("State(%q) = %v, want %v", key, got, want)
		}
	}
	img, ok := a.State(registryimage.ArtifactStateURI).(*registryimage.Image)
	if !ok {
		t.Fatalf("HCP metadata is a %T", a.State(registryimage.ArtifactStateURI))
	}
	if img.ProviderName != "vmware-desktop" || img.ImageID != vmx || img.SourceImageID != vmwaretest.SpecDigest ||
		img.Labels["spec_digest"] != vmwaretest.SpecDigest || img.Labels["target"] != "fusion" {
		t.Errorf("HCP metadata %+v", img)
	}
	if !strings.Contains(a.String(), "(stopped)") {
		t.Errorf("String() = %q", a.String())
	}

	// Destroy: the VM is stopped, so vmrun only lists; the folder goes.
	if err := a.Destroy(); err != nil {
		t.Fatal(err)
	}
	rig.wantCalls(t, []string{"-T", "fusion", "list"})
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("Destroy left the VM folder: %v", err)
	}
}

// TestDesktopWorkstationISO covers boot_media = "iso" on Workstation, a
// vmx_template, headless = false, serial_log_path outside the folder, the
// VM left running (no IP wait), and Destroy stopping it.
func TestDesktopWorkstationISO(t *testing.T) {
	rig := newDesktopRig(t)
	src := t.TempDir()
	iso := filepath.Join(src, "lk.iso")
	if err := os.WriteFile(iso, []byte("an ISO stand-in"), 0o644); err != nil {
		t.Fatal(err)
	}
	vmdkPath := filepath.Join(src, "lk.vmdk")
	vmwaretest.VMDK(t, vmdkPath, true) // streamOptimized: fine, boot_media = "iso" ignores it
	cmdline := filepath.Join(src, "lk-cmdline")
	if err := os.WriteFile(cmdline, []byte("console=tty0 quiet\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tmpl := vmwaretest.TempFile(t, "base.vmx", `.encoding = "UTF-8"
displayName = "template name"
uuid.bios = "56 4d 00"
sound.present = "TRUE"
memsize = "64"
`)
	work := t.TempDir()
	out := filepath.Join(work, "ws-vm")
	serial := filepath.Join(work, "logs", "serial.txt")

	ui := newDTUI()
	formats := map[string]string{"iso-bios": iso, "vmdk": vmdkPath, "kernel+initrd": filepath.Join(src, "lk-kernel")}
	a, err := vmwaretest.Run(t, context.Background(), ui, vmwaretest.Input("lk", formats, false), map[string]interface{}{
		"target":               "workstation",
		"vmrun_path":           rig.vmrun,
		"boot_media":           "iso",
		"output_directory":     out,
		"serial_log_path":      serial,
		"vmx_template":         tmpl,
		"headless":             false,
		"network_type":         "hostonly",
		"network_adapter_type": "e1000e",
		"disk_controller_type": "sata",
		"disks":                []string{"1M"},
		"guest_os_type":        "other6xlinux-64",
		"hardware_version":     20,
	}, map[string]interface{}{"packer_build_name": "ignored-since-the-artifact-has-a-name"})
	if err != nil {
		t.Fatalf("PostProcess: %v\nUI errors:\n%s", err, ui.errorText())
	}
	vmx := filepath.Join(out, "lk.vmx")
	rig.wantCalls(t, []string{"-T", "ws", "start", vmx, "gui"})
	if w := ui.errorText(); !strings.Contains(w, `"console=tty0 quiet" has no console=ttyS0`) {
		t.Errorf("no warning about the missing console=ttyS0; UI errors:\n%s", w)
	}

	base := dtBaseVMX("lk", "1", "1024")
	base["guestOS"] = "other6xlinux-64"
	base["virtualHW.version"] = "20"
	dtWantVMX(t, dtReadVMX(t, vmx), dtMerge(base, map[string]string{
		"sound.present":            "TRUE", // kept from the template; uuid.bios is dropped
		"ethernet0.present":        "TRUE",
		"ethernet0.connectionType": "hostonly",
		"ethernet0.virtualDev":     "e1000e",
		"ethernet0.addressType":    "generated",
		"sata0.present":            "TRUE",
		"sata0:0.present":          "TRUE",
		"sata0:0.fileName":         "lk-disk1.vmdk",
		"sata0:1.present":          "TRUE",
		"sata0:1.deviceType":       "cdrom-image",
		"sata0:1.fileName":         "lk.iso",
		"sata0:1.startConnected":   "TRUE",
		"bios.bootOrder":           "cdrom",
		"serial0.present":          "TRUE",
		"serial0.fileType":         "file",
		"serial0.fileName":         serial,
		"serial0.yieldOnMsrRead":   "TRUE",
		"serial0.startConnected":   "TRUE",
	}))
	if b, err := os.ReadFile(filepath.Join(out, "lk.iso")); err != nil || string(b) != "an ISO stand-in" {
		t.Errorf("the ISO was not copied into the VM folder: %q, %v", b, err)
	}
	if fi, err := os.Stat(filepath.Dir(serial)); err != nil || !fi.IsDir() {
		t.Errorf("the serial log's folder was not made: %v", err)
	}
	if a.State("ip") != nil || !strings.Contains(a.String(), "(running)") {
		t.Errorf("ip state %v, String() %q", a.State("ip"), a.String())
	}

	// Destroy stops the running VM hard, then removes the folder.
	if err := a.Destroy(); err != nil {
		t.Fatal(err)
	}
	rig.wantCalls(t, []string{"-T", "ws", "list"}, []string{"-T", "ws", "stop", vmx, "hard"})
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("Destroy left the VM folder: %v", err)
	}
}

// dtVMDKCapacity reads a sparse vmdk header's capacity, in bytes.
func dtVMDKCapacity(t *testing.T, path string) uint64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 20 {
		t.Fatalf("reading %s: %v", path, err)
	}
	var sectors uint64
	for i := 7; i >= 0; i-- {
		sectors = sectors<<8 | uint64(b[12+i])
	}
	return sectors * 512
}
