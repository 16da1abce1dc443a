package vmware_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// TestConfigureErrors walks every validation error path: each configuration
// must fail with a message that names the problem.
func TestConfigureErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.vmx")
	caFile := vmwaretest.TempFile(t, "ca.pem", "pem")
	long := strings.Repeat("x", 81)

	tests := []struct {
		name string
		raw  map[string]interface{}
		want []string
	}{
		// target
		{"target missing", map[string]interface{}{"cpus": 2}, []string{`target is required: "vsphere", "fusion" or "workstation"`}},
		{"target unknown", map[string]interface{}{"target": "esxi"}, []string{`target "esxi" is not one of "vsphere", "fusion" or "workstation"`}},
		{"target unknown still checks hardware", map[string]interface{}{"target": "esx", "memory": 6}, []string{`target "esx"`, "memory must be a multiple of 4"}},

		// common hardware
		{"vm_name slash", fusion(map[string]interface{}{"vm_name": "a/b"}), []string{`vm_name "a/b" must not contain '/' or '\'`}},
		{"vm_name dotdot", fusion(map[string]interface{}{"vm_name": ".."}), []string{`vm_name ".." is not a usable name`}},
		{"vm_name control", fusion(map[string]interface{}{"vm_name": "a\tb"}), []string{"must not contain control characters"}},
		{"vm_name too long", fusion(map[string]interface{}{"vm_name": long}), []string{"vm_name is 81 characters long", "at most 80"}},
		{"cpus zero", fusion(map[string]interface{}{"cpus": 0}), []string{"cpus must be at least 1, not 0"}},
		{"cpus negative", fusion(map[string]interface{}{"cpus": -2}), []string{"cpus must be at least 1, not -2"}},
		{"memory small", fusion(map[string]interface{}{"memory": 2}), []string{"memory is in MB and must be at least 4, not 2"}},
		{"memory zero", fusion(map[string]interface{}{"memory": 0}), []string{"memory is in MB and must be at least 4, not 0"}},
		{"memory odd", fusion(map[string]interface{}{"memory": 1023}), []string{"memory must be a multiple of 4 (MB), not 1023"}},
		{"firmware", fusion(map[string]interface{}{"firmware": "uefi"}), []string{`firmware "uefi" is not one of "bios", "efi"`}},
		{"firmware efi-secure desktop", fusion(map[string]interface{}{"firmware": "efi-secure"}), []string{`firmware "efi-secure" (UEFI Secure Boot) is not supported`, "systemd's unsigned EFI stub", "no signed boot chain", `use firmware = "efi"`}},
		{"firmware efi-secure vsphere", vmwaretest.VSphereMinimal(map[string]interface{}{"firmware": "efi-secure"}), []string{`firmware "efi-secure" (UEFI Secure Boot) is not supported`}},
		{"boot_media", fusion(map[string]interface{}{"boot_media": "cdrom"}), []string{`boot_media "cdrom" is not one of "iso", "disk"`}},
		{"guest_os_type", fusion(map[string]interface{}{"guest_os_type": "other linux"}), []string{`guest_os_type "other linux" may contain only`}},
		{"hardware_version old", fusion(map[string]interface{}{"hardware_version": 3}), []string{"hardware_version must be at least 4, not 3"}},
		{"hardware_version for vmxnet3", fusion(map[string]interface{}{"hardware_version": 6}), []string{`network_adapter_type "vmxnet3" needs hardware_version 7 or later, not 6`}},
		{"hardware_version for e1000e", vmwaretest.VSphereMinimal(map[string]interface{}{"hardware_version": 7, "network_adapter_type": "e1000e"}), []string{`network_adapter_type "e1000e" needs hardware_version 8 or later, not 7`}},
		{"hardware_version for sata", map[string]interface{}{"target": "workstation", "hardware_version": 9, "disk_controller_type": "sata"}, []string{`disk_controller_type "sata" needs hardware_version 10 or later, not 9`}},
		{"hardware_version for nvme", fusion(map[string]interface{}{"hardware_version": 12, "disk_controller_type": "nvme"}), []string{`disk_controller_type "nvme" needs hardware_version 13 or later, not 12`}},
		{"disks bare number", fusion(map[string]interface{}{"disks": []string{"10"}}), []string{`disks[0]: "10" has no unit; write "10G" (sizes use K, M, G, T = KiB…TiB)`}},
		{"disks second", fusion(map[string]interface{}{"disks": []string{"1G", "2g"}}), []string{`disks[1]: "2g": write the unit in upper case`}},
		{"disks zero", fusion(map[string]interface{}{"disks": []string{"0G"}}), []string{`disks[0]: "0G" is empty`}},
		{"disk controller desktop", fusion(map[string]interface{}{"disk_controller_type": "pvscsi"}), []string{`disk_controller_type "pvscsi" is not one of "lsilogic", "nvme", "sata" with target "fusion"`}},
		{"disk controller vsphere", vmwaretest.VSphereMinimal(map[string]interface{}{"disk_controller_type": "ide"}), []string{`disk_controller_type "ide" is not one of "pvscsi", "lsilogic", "nvme", "sata" with target "vsphere"`}},
		{"network adapter", fusion(map[string]interface{}{"network_adapter_type": "vlance"}), []string{`network_adapter_type "vlance" is not one of "vmxnet3", "e1000e", "e1000"`}},
		{"guestinfo prefix", fusion(map[string]interface{}{"guestinfo": map[string]string{"guestinfo.userdata": "x"}}), []string{`guestinfo key "guestinfo.userdata": drop the "guestinfo." prefix`}},
		{"guestinfo chars", fusion(map[string]interface{}{"guestinfo": map[string]string{"user data": "x"}}), []string{`guestinfo key "user data" may contain only letters, digits, '_', '.' and '-'`}},
		{"guestinfo colon", fusion(map[string]interface{}{"guestinfo": map[string]string{"a:b": "x"}}), []string{`guestinfo key "a:b"`}},
		{"ip_wait_timeout negative", fusion(map[string]interface{}{"ip_wait_timeout": "-1s"}), []string{"ip_wait_timeout must not be negative, not -1s"}},
		{"ip_wait_timeout syntax", fusion(map[string]interface{}{"ip_wait_timeout": "5 minutes"}), []string{"ip_wait_timeout", "5 minutes"}},

		// desktop
		{"vmrun_path missing", fusion(map[string]interface{}{"vmrun_path": filepath.Join(dir, "vmrun")}), []string{"vmrun_path: stat", "no such file"}},
		{"vmrun_path folder", fusion(map[string]interface{}{"vmrun_path": dir}), []string{"vmrun_path: " + `"` + dir + `" is a folder, not a file`}},
		{"vmx_template missing", fusion(map[string]interface{}{"vmx_template": missing}), []string{"vmx_template: stat " + missing}},
		{"network_type", fusion(map[string]interface{}{"network_type": "bridge"}), []string{`network_type "bridge" is not one of "nat", "bridged", "hostonly"`}},
		{"vmx_data key", fusion(map[string]interface{}{"vmx_data": map[string]string{"a=b": "c"}}), []string{`vmx_data key "a=b" may contain only`}},
		{"serial_log_path without serial_log", fusion(map[string]interface{}{"serial_log": false, "serial_log_path": "c.log"}), []string{"serial_log_path is set but serial_log is false"}},

		// options of the other kind of target
		{"vsphere option on fusion", fusion(map[string]interface{}{"power_on": false}), []string{`power_on is an option of target "vsphere" only; remove it, or change target "fusion"`}},
		{"vsphere block on workstation", map[string]interface{}{"target": "workstation", "content_library": map[string]interface{}{"library": "l"}, "datastore": "ds"},
			[]string{`content_library is an option of target "vsphere" only`, `datastore is an option of target "vsphere" only; remove it, or change target "workstation"`}},
		{"overwrite on desktop", fusion(map[string]interface{}{"overwrite": true}), []string{`overwrite is an option of target "vsphere" only`, "-force replaces output_directory"}},
		{"desktop option on vsphere", vmwaretest.VSphereMinimal(map[string]interface{}{"headless": true}), []string{`headless is an option of the desktop targets ("fusion", "workstation") only; remove it, or change target "vsphere"`}},
		{"desktop map on vsphere", vmwaretest.VSphereMinimal(map[string]interface{}{"vmx_data": map[string]string{"a": "b"}}), []string{`vmx_data is an option of the desktop targets`}},

		// vsphere
		{"server with credentials", vmwaretest.VSphereMinimal(map[string]interface{}{"vcenter_server": "admin:hunter2@vc"}), []string{"vcenter_server must be a host name or address", "value is not shown"}},
		{"server as URL", vmwaretest.VSphereMinimal(map[string]interface{}{"vcenter_server": "https://vc/sdk"}), []string{`vcenter_server "https://vc/sdk" must be a host name or address, optionally with :port, not a URL`}},
		{"ca_file missing", vmwaretest.VSphereMinimal(map[string]interface{}{"ca_file": missing}), []string{"ca_file: stat " + missing}},
		{"ca_file with insecure", vmwaretest.VSphereMinimal(map[string]interface{}{"ca_file": caFile, "insecure_connection": true}), []string{"ca_file and insecure_connection = true contradict each other"}},
		{"upload_path absolute", vmwaretest.VSphereMinimal(map[string]interface{}{"upload_path": "/iso"}), []string{`upload_path "/iso" must be a folder relative to the datastore's root`}},
		{"upload_path datastore", vmwaretest.VSphereMinimal(map[string]interface{}{"upload_path": "[ds] iso"}), []string{`upload_path "[ds] iso": give the folder without "[datastore]"`}},
		{"upload_path dotdot", vmwaretest.VSphereMinimal(map[string]interface{}{"upload_path": "a/../b"}), []string{`upload_path "a/../b" must not contain ".."`}},
		{"shutdown_timeout negative", vmwaretest.VSphereMinimal(map[string]interface{}{"shutdown_timeout": "-5m"}), []string{"shutdown_timeout must not be negative, not -5m0s"}},
		{"wait_for_ip without power_on", vmwaretest.VSphereMinimal(map[string]interface{}{"wait_for_ip": true}), []string{`wait_for_ip = true needs power_on = true on target "vsphere"`}},
		{"content_library without library", vmwaretest.VSphereMinimal(map[string]interface{}{"content_library": map[string]interface{}{"name": "x"}}), []string{"content_library: library is required"}},
		{"content_library name slash", vmwaretest.VSphereMinimal(map[string]interface{}{"content_library": map[string]interface{}{"library": "l", "name": "a/b"}}), []string{`content_library: name "a/b" must not contain`}},
		{"content_library ovf with iso", vmwaretest.VSphereMinimal(map[string]interface{}{"boot_media": "iso", "content_library": map[string]interface{}{"library": "l", "ovf": true}}), []string{`content_library.ovf = true needs boot_media = "disk"`}},
		{"content_library ovf default media", vmwaretest.VSphereMinimal(map[string]interface{}{"content_library": map[string]interface{}{"library": "l", "ovf": true}}), []string{`content_library.ovf = true needs boot_media = "disk"`}},
		{"content_library destroy with template", vmwaretest.VSphereMinimal(map[string]interface{}{"convert_to_template": true, "content_library": map[string]interface{}{"library": "l", "destroy": true}}), []string{"content_library.destroy = true removes the VM that convert_to_template = true would keep"}},
		{"content_library name is vm_name", vmwaretest.VSphereMinimal(map[string]interface{}{"vm_name": "lk", "content_library": map[string]interface{}{"library": "l", "name": "lk"}}), []string{`content_library.name "lk" is also vm_name`}},
		{"configuration_parameters key", vmwaretest.VSphereMinimal(map[string]interface{}{"configuration_parameters": map[string]string{"": "x"}}), []string{`configuration_parameters key "" may contain only`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vmwaretest.CleanEnv(t)
			_, err := vmwaretest.Configure(t, tt.raw)
			vmwaretest.WantErrors(t, err, tt.want...)
		})
	}
}

// TestConfigureValidCombinations are near misses of the error paths that
// must stay valid.
func TestConfigureValidCombinations(t *testing.T) {
	tests := []struct {
		name string
		raw  map[string]interface{}
	}{
		{"content library ovf with disk", vmwaretest.VSphereMinimal(map[string]interface{}{"boot_media": "disk", "content_library": map[string]interface{}{"library": "l", "ovf": true, "destroy": true}})},
		{"content library template and convert", vmwaretest.VSphereMinimal(map[string]interface{}{"vm_name": "lk", "convert_to_template": true, "content_library": map[string]interface{}{"library": "l"}})},
		{"ovf item may share vm_name", vmwaretest.VSphereMinimal(map[string]interface{}{"vm_name": "lk", "boot_media": "disk", "content_library": map[string]interface{}{"library": "l", "name": "lk", "ovf": true}})},
		{"wait_for_ip with power_on", vmwaretest.VSphereMinimal(map[string]interface{}{"wait_for_ip": true, "power_on": true})},
		{"insecure false with ca_file", vmwaretest.VSphereMinimal(map[string]interface{}{"insecure_connection": false, "ca_file": vmwaretest.TempFile(t, "ca.pem", "x")})},
		{"server with port", vmwaretest.VSphereMinimal(map[string]interface{}{"vcenter_server": "10.0.0.1:8443"})},
		{"server ipv6", vmwaretest.VSphereMinimal(map[string]interface{}{"vcenter_server": "[fd00::1]:443"})},
		{"shared options on vsphere", vmwaretest.VSphereMinimal(map[string]interface{}{"output_directory": "conv", "serial_log": false, "guestinfo": map[string]string{"userdata": "x"}})},
		{"desktop wait_for_ip without power_on", fusion(map[string]interface{}{"wait_for_ip": true, "ip_wait_timeout": "1m"})},
		{"desktop efi and sata", map[string]interface{}{"target": "workstation", "firmware": "efi", "disk_controller_type": "sata", "hardware_version": 10, "network_adapter_type": "e1000"}},
		{"old hardware with old devices", fusion(map[string]interface{}{"hardware_version": 4, "network_adapter_type": "e1000"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vmwaretest.CleanEnv(t)
			if _, err := vmwaretest.Configure(t, tt.raw); err != nil {
				t.Fatalf("Configure: %v", err)
			}
		})
	}
}
