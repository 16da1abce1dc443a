package common_test

import (
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// TestReadInputArchAndMedia decodes the arch and media_firmware states in
// both shapes (in process and after Packer's RPC), and the defaults of an
// artifact that publishes neither: amd64, each medium its format's firmware.
func TestReadInputArchAndMedia(t *testing.T) {
	formats := map[string]string{"iso-bios": "/o/lk.iso", "vmdk-efi": "/o/lk-efi.vmdk", "kernel+initrd": "/o/lk-kernel", "tar": "/o/lk.tar"}
	for _, rpc := range []bool{false, true} {
		in, err := common.ReadInput(vmwaretest.InputArch("lk", "arm64", formats, rpc))
		if err != nil {
			t.Fatalf("rpc=%v: %v", rpc, err)
		}
		if in.Arch != "arm64" || in.Firmware != "mixed" || len(in.MediaFirmware) != 2 ||
			in.MediaFirmware["iso-bios"] != "bios" || in.MediaFirmware["vmdk-efi"] != "efi" {
			t.Errorf("rpc=%v: arch %q firmware %q media %v", rpc, in.Arch, in.Firmware, in.MediaFirmware)
		}
		if got := in.MediaSummary(); got != "iso-bios (bios), vmdk-efi (efi)" {
			t.Errorf("MediaSummary() = %q", got)
		}
	}

	// An older artifact: no arch, no media_firmware, firmware "bios".
	in, err := common.ReadInput(vmwaretest.Input("lk", map[string]string{"iso-efi": "/o/lk-efi.iso", "vmdk": "/o/lk.vmdk"}, true))
	if err != nil {
		t.Fatal(err)
	}
	if in.Arch != "amd64" || in.MediaFirmware["iso-efi"] != "efi" || in.MediaFirmware["vmdk"] != "bios" || in.Firmware != "bios" {
		t.Errorf("defaults: arch %q firmware %q media %v", in.Arch, in.Firmware, in.MediaFirmware)
	}
	// Without a firmware state it is derived from the media.
	a := vmwaretest.Input("lk", map[string]string{"raw-efi": "/o/lk-efi.img"}, false)
	delete(a.StateValues, "firmware")
	if in, err := common.ReadInput(a); err != nil || in.Firmware != "efi" {
		t.Errorf("derived firmware: %+v, %v", in, err)
	}
	// A published firmware wins over the format's own.
	a = vmwaretest.Input("lk", map[string]string{"iso-bios": "/o/lk.iso"}, false)
	a.StateValues["media_firmware"] = map[string]string{"iso-bios": "efi", "raw-efi": "bios"} // raw-efi is not in formats
	if in, err := common.ReadInput(a); err != nil || in.MediaFirmware["iso-bios"] != "efi" || len(in.MediaFirmware) != 1 {
		t.Errorf("published media firmware: %+v, %v", in, err)
	}

	for _, tc := range []struct {
		key   string
		value interface{}
		want  string
	}{
		{"arch", "riscv64", `input artifact state "arch" is "riscv64": linuxkit-vmware makes VMs of amd64 and arm64 images only`},
		{"media_firmware", map[string]string{"vmdk": "uefi"}, `input artifact state "media_firmware": format "vmdk" boots with "uefi", which is neither "bios" nor "efi"`},
		{"media_firmware", []string{"bios"}, `input artifact state "media_firmware":`},
	} {
		a := vmwaretest.Input("lk", map[string]string{"vmdk": "/o/lk.vmdk"}, false)
		a.StateValues[tc.key] = tc.value
		if _, err := common.ReadInput(a); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s = %v: %v, want %q", tc.key, tc.value, err, tc.want)
		}
	}
}

// TestPickFirmware walks the firmware choice: the option when a medium boots
// with it, the artifact's otherwise, bios when it has both, and the errors
// that name what the artifact has.
func TestPickFirmware(t *testing.T) {
	read := func(arch string, formats ...string) *common.Input {
		t.Helper()
		m := map[string]string{}
		for _, f := range formats {
			m[f] = "/o/" + f
		}
		in, err := common.ReadInput(vmwaretest.InputArch("lk", arch, m, true))
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	both := read("amd64", "iso-bios", "vmdk", "iso-efi", "vmdk-efi")
	efiISO := read("amd64", "iso-efi", "vmdk")
	for _, tc := range []struct {
		name              string
		in                *common.Input
		option, bootMedia string
		want              string
	}{
		{"both: bios by default", both, "", "", "bios"},
		{"both: efi when asked", both, "efi", "", "efi"},
		{"both: bios when asked", both, "bios", "disk", "bios"},
		{"efi only", read("amd64", "iso-efi", "raw-efi"), "", "", "efi"},
		{"bios only", read("amd64", "iso-bios", "kernel+initrd"), "", "", "bios"},
		{"boot_media picks the kind's firmware", efiISO, "", "iso", "efi"},
		{"boot_media disk", efiISO, "", "disk", "bios"},
		{"no medium of the kind: the others'", read("amd64", "iso-efi"), "", "disk", "efi"},
		{"no bootable medium", read("amd64", "tar"), "", "", "bios"},
		{"arm64", read("arm64", "iso-efi", "raw-efi"), "efi", "", "efi"},
	} {
		got, err := tc.in.PickFirmware(tc.option, tc.bootMedia)
		if err != nil || got != tc.want {
			t.Errorf("%s: PickFirmware(%q, %q) = %q, %v, want %q", tc.name, tc.option, tc.bootMedia, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		in     *common.Input
		option string
		want   string
	}{
		{read("amd64", "iso-bios", "vmdk"), "efi", `firmware "efi": the artifact has no medium that boots with EFI (it has iso-bios (bios), vmdk (bios)); add "iso-efi", "raw-efi" or "vmdk-efi" to the linuxkit builder's formats, or remove firmware`},
		{read("amd64", "iso-efi"), "bios", `firmware "bios": the artifact has no medium that boots with BIOS (it has iso-efi (efi)); add "iso-bios", "raw-bios" or "vmdk"`},
		{read("amd64", "tar"), "efi", `(it has no bootable medium; its formats: tar)`},
		{read("arm64", "iso-efi"), "bios", `firmware "bios": the artifact is built for arm64, whose media boot only with EFI; remove firmware or set it to "efi"`},
	} {
		if _, err := tc.in.PickFirmware(tc.option, ""); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("PickFirmware(%q) with %s: %v, want %q", tc.option, tc.in.MediaSummary(), err, tc.want)
		}
	}
}

// TestFormatsFor names the formats of each firmware from internal/artifact.
func TestFormatsFor(t *testing.T) {
	if f := common.FormatsFor(artifact.FirmwareEFI); f.ISO != artifact.FormatISOEFI || f.VMDK != artifact.FormatVMDKEFI || f.Raw != artifact.FormatRawEFI || f.Firmware != "efi" {
		t.Errorf("efi: %+v", f)
	}
	if f := common.FormatsFor(artifact.FirmwareBIOS); f.ISO != artifact.FormatISOBIOS || f.VMDK != artifact.FormatVMDK || f.Raw != artifact.FormatRawBIOS || f.Firmware != "bios" {
		t.Errorf("bios: %+v", f)
	}
}
