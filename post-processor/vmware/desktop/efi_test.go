package desktop_test

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/desktop"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// TestDesktopWorkstationEFI runs Workstation (an Intel Linux host) on an
// artifact with BIOS and EFI media and firmware = "efi": the VM folder gets
// the vmdk-efi disk, not the BIOS vmdk, and a VMX with firmware efi and no
// BIOS boot order.
func TestDesktopWorkstationEFI(t *testing.T) {
	rig := newDesktopRig(t)
	vmwaretest.PlayHostOf(t, "linux", "amd64")
	formats := vmwaretest.EFIStandIn(t, "lk", artifact.ArchAMD64, false, artifact.FormatVMDKEFI, artifact.FormatISOEFI)
	formats[artifact.FormatVMDK] = filepath.Join(t.TempDir(), "lk.vmdk")
	vmwaretest.VMDK(t, formats[artifact.FormatVMDK], false)
	out := filepath.Join(t.TempDir(), "vm")

	ui := newDTUI()
	a, err := vmwaretest.Run(t, context.Background(), ui, vmwaretest.InputArch("lk", artifact.ArchAMD64, formats, true), map[string]interface{}{
		"target": "workstation", "vmrun_path": rig.vmrun, "firmware": "efi", "output_directory": out,
	}, nil)
	if err != nil {
		t.Fatalf("PostProcess: %v\n%s", err, ui.errorText())
	}
	vmx := filepath.Join(out, "lk.vmx")
	rig.wantCalls(t, []string{"-T", "ws", "start", vmx, "nogui"})
	base := dtBaseVMX("lk", "1", "1024")
	base["firmware"] = "efi"
	dtWantVMX(t, dtReadVMX(t, vmx), dtMerge(base, map[string]string{
		"ethernet0.present":        "TRUE",
		"ethernet0.connectionType": "nat",
		"ethernet0.virtualDev":     "vmxnet3",
		"ethernet0.addressType":    "generated",
		"scsi0.present":            "TRUE",
		"scsi0.virtualDev":         "lsilogic",
		"scsi0:0.present":          "TRUE",
		"scsi0:0.fileName":         "lk-efi.vmdk",
		"serial0.present":          "TRUE",
		"serial0.fileType":         "file",
		"serial0.fileName":         "console.log",
		"serial0.yieldOnMsrRead":   "TRUE",
		"serial0.startConnected":   "TRUE",
	}))
	dtSameFile(t, formats[artifact.FormatVMDKEFI], filepath.Join(out, "lk-efi.vmdk"))
	if _, err := os.Stat(filepath.Join(out, "lk.vmdk")); !os.IsNotExist(err) {
		t.Errorf("the BIOS vmdk was copied too: %v", err)
	}
	if a.(*desktop.Artifact).BootMedia != "disk" {
		t.Errorf("artifact %+v", a)
	}
}

// TestDesktopFusionARM64 plays an Apple silicon Mac: an arm64 artifact with
// vmdk-efi and iso-efi gets, on Fusion, the VMX Fusion writes for an arm64
// Linux guest (arm-other6xlinux-64, efi, an NVMe boot disk, an e1000e NIC,
// the ISO on SATA, xHCI, no HPET), for both boot media; the options a user
// sets still win where Fusion can run them.
func TestDesktopFusionARM64(t *testing.T) {
	rig := newDesktopRig(t)
	vmwaretest.PlayHost(t, true)
	formats := vmwaretest.EFIStandIn(t, "lka", artifact.ArchARM64, false, artifact.FormatVMDKEFI, artifact.FormatISOEFI)
	in := vmwaretest.InputArch("lka", artifact.ArchARM64, formats, true)
	arm := map[string]string{
		"guestOS":                  "arm-other6xlinux-64",
		"firmware":                 "efi",
		"usb_xhci.present":         "TRUE",
		"ethernet0.present":        "TRUE",
		"ethernet0.connectionType": "nat",
		"ethernet0.virtualDev":     "e1000e",
		"ethernet0.addressType":    "generated",
	}
	base := dtBaseVMX("lka", "2", "2048")
	delete(base, "hpet0.present")

	for _, tc := range []struct {
		media, format string
		extra         map[string]interface{}
		want          map[string]string
	}{
		{"disk", artifact.FormatVMDKEFI, map[string]interface{}{"disks": []string{"1M"}}, map[string]string{
			"nvme0.present": "TRUE", "nvme0:0.present": "TRUE", "nvme0:0.fileName": "lka-efi.vmdk",
			"nvme0:1.present": "TRUE", "nvme0:1.fileName": "lka-disk1.vmdk",
		}},
		{"iso", artifact.FormatISOEFI, map[string]interface{}{"disk_controller_type": "sata", "network_adapter_type": "e1000", "guest_os_type": "arm-debian12-64"}, map[string]string{
			"sata0.present": "TRUE", "sata0:0.present": "TRUE", "sata0:0.deviceType": "cdrom-image",
			"sata0:0.fileName": "lka-efi.iso", "sata0:0.startConnected": "TRUE",
			"ethernet0.virtualDev": "e1000", "guestOS": "arm-debian12-64",
		}},
	} {
		t.Run(tc.media, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "vm")
			raw := map[string]interface{}{
				"target": "fusion", "vmrun_path": rig.vmrun, "boot_media": tc.media, "output_directory": out,
				"cpus": 2, "memory": 2048, "serial_log": false,
			}
			maps.Copy(raw, tc.extra)
			ui := newDTUI()
			if _, err := vmwaretest.Run(t, context.Background(), ui, in, raw, nil); err != nil {
				t.Fatalf("PostProcess: %v\n%s", err, ui.errorText())
			}
			vmx := filepath.Join(out, "lka.vmx")
			rig.wantCalls(t, []string{"-T", "fusion", "start", vmx, "nogui"})
			dtWantVMX(t, dtReadVMX(t, vmx), dtMerge(base, arm, tc.want))
			dtSameFile(t, formats[tc.format], filepath.Join(out, filepath.Base(formats[tc.format])))
		})
	}
}

// TestDesktopEFIRefusals: the firmware, architecture and host checks stop a
// run before the VM folder exists or vmrun is called.
func TestDesktopEFIRefusals(t *testing.T) {
	rig := newDesktopRig(t)
	amd := vmwaretest.EFIStandIn(t, "lk", artifact.ArchAMD64, false, artifact.FormatVMDKEFI)
	arm := vmwaretest.EFIStandIn(t, "lk", artifact.ArchARM64, false, artifact.FormatVMDKEFI, artifact.FormatISOEFI)
	bios := map[string]string{artifact.FormatVMDK: filepath.Join(t.TempDir(), "lk.vmdk")}
	vmwaretest.VMDK(t, bios[artifact.FormatVMDK], false)
	for _, tc := range []struct {
		name, target, goos, goarch, arch string
		formats                          map[string]string
		extra                            map[string]interface{}
		want                             string
	}{
		{"amd64 on Apple silicon", "fusion", "darwin", "arm64", "amd64", amd, nil, desktop.ErrFusionAppleSilicon.Error()},
		{"amd64 bios on Apple silicon", "fusion", "darwin", "arm64", "amd64", bios, nil, `cannot run this amd64 image on an Apple silicon Mac`},
		{"arm64 on an Intel Mac", "fusion", "darwin", "amd64", "arm64", arm, nil, `target "fusion": an amd64 host runs only amd64 guests under VMware, not arm64`},
		{"arm64 on Workstation", "workstation", "linux", "amd64", "arm64", arm, nil, `target "workstation": an amd64 host runs only amd64 guests under VMware, not arm64`},
		{"arm64 nvme on old hardware", "fusion", "darwin", "arm64", "arm64", arm, map[string]interface{}{"hardware_version": 12},
			`the artifact is arm64: disk_controller_type "nvme" needs hardware_version 13 or later, not 12`},
		{"efi without EFI media", "workstation", "linux", "amd64", "amd64", bios, map[string]interface{}{"firmware": "efi"},
			`firmware "efi": the artifact has no medium that boots with EFI (it has vmdk (bios))`},
		{"bios with arm64", "fusion", "darwin", "amd64", "arm64", arm, map[string]interface{}{"firmware": "bios"},
			`firmware "bios": the artifact is built for arm64`},
		{"efi iso missing", "workstation", "linux", "amd64", "amd64", amd, map[string]interface{}{"boot_media": "iso"},
			`boot_media "iso" with firmware "efi" needs an iso-efi image`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vmwaretest.PlayHostOf(t, tc.goos, tc.goarch)
			out := filepath.Join(t.TempDir(), "vm")
			raw := map[string]interface{}{"target": tc.target, "vmrun_path": rig.vmrun, "output_directory": out}
			maps.Copy(raw, tc.extra)
			_, err := vmwaretest.Run(t, context.Background(), newDTUI(), vmwaretest.InputArch("lk", tc.arch, tc.formats, false), raw, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
			rig.wantCalls(t)
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("a refused run left its VM folder: %v", err)
			}
		})
	}
}

// TestDesktopARM64Warnings: an arm64 VM with vmxnet3, which linuxkit's arm64
// kernels lack, is made but warned about; a cmdline with console=ttyAMA0
// satisfies the serial console check on arm64.
func TestDesktopARM64Warnings(t *testing.T) {
	rig := newDesktopRig(t)
	vmwaretest.PlayHost(t, true)
	in := vmwaretest.InputArch("lka", artifact.ArchARM64, vmwaretest.EFIStandIn(t, "lka", artifact.ArchARM64, false, artifact.FormatVMDKEFI), false)
	in.StateValues[artifact.StateCmdline] = "console=ttyAMA0 panic=1"
	ui := newDTUI()
	out := filepath.Join(t.TempDir(), "vm")
	if _, err := vmwaretest.Run(t, context.Background(), ui, in, map[string]interface{}{
		"target": "fusion", "vmrun_path": rig.vmrun, "output_directory": out, "network_adapter_type": "vmxnet3",
	}, nil); err != nil {
		t.Fatalf("PostProcess: %v", err)
	}
	if w := ui.errorText(); !strings.Contains(w, `network_adapter_type "vmxnet3" on an arm64 VM`) || strings.Contains(w, "serial log will stay empty") {
		t.Errorf("UI errors:\n%s", w)
	}
	if got := dtReadVMX(t, filepath.Join(out, "lka.vmx"))["ethernet0.virtualDev"]; got != "vmxnet3" {
		t.Errorf("ethernet0.virtualDev = %q, want the option's vmxnet3", got)
	}
}

// dtSameFile fails unless copy holds the bytes of orig.
func dtSameFile(t *testing.T, orig, copy string) {
	t.Helper()
	want, err := os.ReadFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(copy)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("%s is not a copy of %s (%v)", copy, orig, err)
	}
}
