package desktop_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// dtE2EEFITemplate builds vmdk-efi beside the BIOS vmdk and hands both to
// Workstation with firmware = "efi".
const dtE2EEFITemplate = `
variable "cache"    { type = string }
variable "insecure" { type = string }
variable "vmrun"    { type = string }
variable "vmdir"    { type = string }

source "linuxkit" "e2e" {
  spec_files          = ["${path.root}/spec.yml"]
  output_name         = "lk"
  formats             = ["vmdk", "vmdk-efi"]
  output_directory    = "${path.root}/out"
  cache_dir           = var.cache
  insecure_registries = [var.insecure]
}

build {
  sources = ["source.linuxkit.e2e"]

  post-processor "linuxkit-vmware" {
    target              = "workstation"
    vmrun_path          = var.vmrun
    vm_name             = "lk-efi"
    output_directory    = var.vmdir
    firmware            = "efi"
    memory              = 1024
    keep_input_artifact = true
  }
}
`

// TestDesktopPackerEFI is the desktop EFI acceptance run: the real packer
// builds vmdk and vmdk-efi with the linuxkit builder, linuxkit-vmware
// (Workstation, firmware = "efi") writes a VMX with firmware efi around a
// copy of the vmdk-efi, and that disk boots under OVMF to the onboot
// container's marker. It needs the builder's EFI formats.
func TestDesktopPackerEFI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real packer binary and QEMU")
	}
	rig, p, nonce := newDesktopPackerRun(t)
	p.WriteFile(t, "efi.pkr.hcl", dtE2EEFITemplate)
	vmDir := filepath.Join(p.Dir, "vm")
	r := p.Build(t, nil, testrig.BuildArgs("efi.pkr.hcl",
		"cache="+filepath.Join(p.Dir, "cache"), "insecure="+p.Registry.Host, "vmrun="+rig.vmrun, "vmdir="+vmDir)...)

	vmx := filepath.Join(vmDir, "lk-efi.vmx")
	rig.wantCalls(t, []string{"-T", "ws", "start", vmx, "nogui"})
	got := dtReadVMX(t, vmx)
	if got["firmware"] != "efi" || got["scsi0:0.fileName"] != "lk-efi.vmdk" {
		t.Fatalf("vmx: firmware %q, boot disk %q; want efi and the vmdk-efi\n%s", got["firmware"], got["scsi0:0.fileName"], r.Output)
	}
	opts := testrig.BootOptions{Firmware: testrig.FirmwareOVMF, Disk: filepath.Join(vmDir, got["scsi0:0.fileName"]), DiskFormat: "vmdk", MemoryMB: 1024}
	if _, err := testrig.BootAndWait(context.Background(), t, opts, testrig.Marker("DESKTOP-E2E-"+nonce), testrig.BootTimeout); err != nil {
		t.Fatal(err)
	}
}
