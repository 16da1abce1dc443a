package linuxkit

import (
	"strings"
	"testing"
)

// TestPrepareOVFErrors checks that each bad ovf_* option is refused with an
// error naming it.
func TestPrepareOVFErrors(t *testing.T) {
	ova := []string{"ova"}
	for name, tc := range map[string]struct {
		raw  map[string]interface{}
		want string
	}{
		"cpus":        {map[string]interface{}{"formats": ova, "ovf_cpus": -1}, `ovf_cpus: -1 is not between 1 and 768`},
		"many cpus":   {map[string]interface{}{"formats": ova, "ovf_cpus": 1000}, `ovf_cpus: 1000`},
		"memory":      {map[string]interface{}{"formats": ova, "ovf_memory": 1023}, `ovf_memory: 1023 MiB is not a multiple of 4`},
		"firmware":    {map[string]interface{}{"formats": ova, "ovf_firmware": "uefi"}, `ovf_firmware: "uefi" is neither "bios" nor "efi"`},
		"arm64 bios":  {map[string]interface{}{"formats": ova, "arch": "arm64", "ovf_firmware": "bios"}, `ovf_firmware: "bios": arm64 machines have no BIOS; use "efi"`},
		"guest":       {map[string]interface{}{"formats": ova, "ovf_guest_os_type": "other linux"}, `ovf_guest_os_type: "other linux"`},
		"nic":         {map[string]interface{}{"formats": ova, "ovf_network_adapter_type": "rtl8139"}, `ovf_network_adapter_type: "rtl8139"`},
		"ovf format":  {map[string]interface{}{"formats": []string{"ovf"}, "ovf_memory": -4}, `ovf_memory: -4 MiB`},
		"ovf unknown": {map[string]interface{}{"formats": []string{"ovx"}}, `vmdk-efi ova ovf]`},
	} {
		t.Run(name, func(t *testing.T) {
			tc.raw["spec"] = minimalSpec
			var c Config
			_, err := c.Prepare(tc.raw)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Prepare: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestPrepareOVFDefaults checks the hardware defaults, the firmware rule
// (efi with arch arm64) and the warning for ovf_* options without a package
// format.
func TestPrepareOVFDefaults(t *testing.T) {
	var c Config
	if _, err := c.Prepare(map[string]interface{}{"spec": minimalSpec, "formats": []string{"ova"}}); err != nil {
		t.Fatal(err)
	}
	if got, want := c.OVFConfig, (OVFConfig{1, 1024, "bios", "otherLinux64Guest", "vmxnet3"}); got != want {
		t.Errorf("defaults %+v, want %+v", got, want)
	}
	if !c.hasFirmware("bios") || c.hasFirmware("efi") {
		t.Error("an ova of firmware bios does not need the BIOS boot files only")
	}
	var arm Config
	if _, err := arm.Prepare(map[string]interface{}{"spec": minimalSpec, "arch": "arm64", "formats": []string{"ovf"}}); err != nil {
		t.Fatal(err)
	}
	if arm.OVFFirmware != "efi" || !arm.hasFirmware("efi") || arm.hasFirmware("bios") {
		t.Errorf("arm64 ovf firmware %q", arm.OVFFirmware)
	}
	var w Config
	warnings, err := w.Prepare(map[string]interface{}{"spec": minimalSpec, "ovf_cpus": 2})
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], "ovf_* options are set") {
		t.Errorf("warnings %q, error %v", warnings, err)
	}
}
