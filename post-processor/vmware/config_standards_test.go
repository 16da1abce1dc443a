package vmware_test

import (
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// vs is a minimal vsphere configuration plus extra.
func vs(extra map[string]interface{}) map[string]interface{} { return vmwaretest.VSphereMinimal(extra) }

// nic is one network_adapters entry.
type nic = map[string]interface{}

// TestConfigureStandardsErrors walks the error paths of the template
// standards (tags, hardware, placement, IP wait, NICs, library flags): each
// fails with a message naming the option.
func TestConfigureStandardsErrors(t *testing.T) {
	tests := []struct {
		name string
		raw  map[string]interface{}
		want []string
	}{
		{"tags without name", vs(map[string]interface{}{"tags": []map[string]string{{"category": "os"}}}), []string{"tags[0]: both category and name are required"}},
		{"tags on desktop", fusion(map[string]interface{}{"tags": []map[string]string{{"category": "os", "name": "lk"}}}), []string{`tags is an option of target "vsphere" only`}},
		{"create_tags on desktop", fusion(map[string]interface{}{"create_tags": true}), []string{`create_tags is an option of target "vsphere" only`}},
		{"cpu_cores not a divisor", vs(map[string]interface{}{"cpus": 6, "cpu_cores": 4}), []string{"cpu_cores 4 must be a divisor of cpus (6)"}},
		{"cpu_cores negative", vs(map[string]interface{}{"cpu_cores": -1}), []string{"cpu_cores -1 must be a divisor"}},
		{"cpu_reservation negative", vs(map[string]interface{}{"cpu_reservation": -5}), []string{"cpu_reservation must not be negative, not -5"}},
		{"cpu_limit negative", vs(map[string]interface{}{"cpu_limit": -1}), []string{"cpu_limit must not be negative"}},
		{"cpu_reservation above limit", vs(map[string]interface{}{"cpu_reservation": 2000, "cpu_limit": 1000}), []string{"cpu_reservation 2000 MHz is above cpu_limit 1000 MHz"}},
		{"memory_reservation above limit", vs(map[string]interface{}{"memory_reservation": 512, "memory_limit": 256}), []string{"memory_reservation 512 MB is above memory_limit 256 MB"}},
		{"memory_reservation above memory", vs(map[string]interface{}{"memory": 512, "memory_reservation": 1024}), []string{"memory_reservation 1024 MB is above memory (512 MB)"}},
		{"memory_limit negative", vs(map[string]interface{}{"memory_limit": -1}), []string{"memory_limit must not be negative"}},
		{"video_ram negative", vs(map[string]interface{}{"video_ram": -4}), []string{"video_ram must not be negative, not -4"}},
		{"nested_hv on desktop", fusion(map[string]interface{}{"nested_hv": true}), []string{`nested_hv is an option of target "vsphere" only`}},
		{"cpu_hot_add on desktop", fusion(map[string]interface{}{"cpu_hot_add": true}), []string{`cpu_hot_add is an option of target "vsphere" only`}},
		{"memory_hot_add on desktop", fusion(map[string]interface{}{"memory_hot_add": true}), []string{`memory_hot_add is an option of target "vsphere" only`}},
		{"disk_provisioning", vs(map[string]interface{}{"disk_provisioning": "thick"}), []string{`disk_provisioning "thick" is not one of "thin", "lazy-zeroed", "eager-zeroed"`}},
		{"cdrom_type", vs(map[string]interface{}{"cdrom_type": "scsi"}), []string{`cdrom_type "scsi" is not one of "ide", "sata"`}},
		{"boot_order", vs(map[string]interface{}{"boot_order": "disk,network"}), []string{`boot_order entry "network" is not one of disk, cdrom, ethernet, floppy`}},
		{"datastore and datastore_cluster", vs(map[string]interface{}{"datastore": "ds1", "datastore_cluster": "pod1"}), []string{"datastore and datastore_cluster both name where the VM goes"}},
		{"datastore_cluster on desktop", fusion(map[string]interface{}{"datastore_cluster": "pod1"}), []string{`datastore_cluster is an option of target "vsphere" only`}},
		{"create_folder without folder", vs(map[string]interface{}{"create_folder": true}), []string{"create_folder = true needs folder"}},
		{"nvme with disk import", vs(map[string]interface{}{"disk_controller_type": "nvme", "boot_media": "disk"}), []string{`disk_controller_type "nvme" on target "vsphere" needs boot_media = "iso"`}},
		{"sata old hardware", vs(map[string]interface{}{"disk_controller_type": "sata", "hardware_version": 9}), []string{`disk_controller_type "sata" needs hardware_version 10 or later, not 9`}},
		{"ip_settle_timeout without wait", vs(map[string]interface{}{"ip_settle_timeout": "10s"}), []string{"ip_settle_timeout needs wait_for_ip = true"}},
		{"ip_settle_timeout negative", vs(map[string]interface{}{"power_on": true, "wait_for_ip": true, "ip_settle_timeout": "-1s"}), []string{"ip_settle_timeout must not be negative, not -1s"}},
		{"ip_wait_address without wait", vs(map[string]interface{}{"ip_wait_address": "10.0.0.0/8"}), []string{"ip_wait_address needs wait_for_ip = true"}},
		{"ip_wait_address not a CIDR", vs(map[string]interface{}{"power_on": true, "wait_for_ip": true, "ip_wait_address": "10.0.0.1"}), []string{`ip_wait_address "10.0.0.1" is not a CIDR block`}},
		{"ip_wait_network without wait", vs(map[string]interface{}{"ip_wait_network": "VM Network"}), []string{"ip_wait_network needs wait_for_ip = true"}},
		{"ip_wait_network of no adapter", vs(map[string]interface{}{"power_on": true, "wait_for_ip": true, "ip_wait_network": "lan2",
			"network_adapters": []nic{{"network": "VM Network"}}}), []string{`ip_wait_network "lan2" is the network of none of network_adapters`}},
		{"network_adapters and network", vs(map[string]interface{}{"network": "VM Network", "network_adapters": []nic{{"network": "VM Network"}}}),
			[]string{"network and network_adapters are two forms of one setting"}},
		{"network_adapters and network_adapter_type", vs(map[string]interface{}{"network_adapter_type": "e1000", "network_adapters": []nic{{"network": "a"}}}),
			[]string{"network_adapters and network_adapter_type are two forms of one setting"}},
		{"network_adapters type", vs(map[string]interface{}{"network_adapters": []nic{{"network": "a"}, {"network": "b", "type": "vlance"}}}),
			[]string{`network_adapters[1].type "vlance" is not one of "vmxnet3", "e1000e", "e1000"`}},
		{"network_adapters mac", vs(map[string]interface{}{"network_adapters": []nic{{"network": "a", "mac_address": "00:50:56:zz:00:01"}}}),
			[]string{`network_adapters[0].mac_address "00:50:56:zz:00:01" is not six colon-separated bytes`}},
		{"network_adapters duplicate mac", vs(map[string]interface{}{"network_adapters": []nic{{"mac_address": "00:50:56:aa:00:01"}, {"mac_address": "00:50:56:AA:00:01"}}}),
			[]string{`network_adapters[1].mac_address "00:50:56:AA:00:01" is also network_adapters[0]'s`}},
		{"network_adapters e1000e old hardware", vs(map[string]interface{}{"hardware_version": 7, "network_adapters": []nic{{"type": "e1000e"}}}),
			[]string{`network_adapters[0].type "e1000e" needs hardware_version 8 or later, not 7`}},
		{"ovf_flags without ovf", vs(map[string]interface{}{"content_library": map[string]interface{}{"library": "l", "ovf_flags": []string{"EXTRA_CONFIG"}}}),
			[]string{"content_library.ovf_flags needs content_library.ovf = true"}},
		{"ovf_flags unknown", vs(map[string]interface{}{"boot_media": "disk", "content_library": map[string]interface{}{"library": "l", "ovf": true, "ovf_flags": []string{"extra_config"}}}),
			[]string{`content_library.ovf_flags[0] "extra_config" is not one of "EXTRA_CONFIG", "PRESERVE_MAC"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vmwaretest.CleanEnv(t)
			_, err := vmwaretest.Configure(t, tt.raw)
			vmwaretest.WantErrors(t, err, tt.want...)
		})
	}
}

// TestConfigureStandardsValid are near misses of the error paths that must
// stay valid, with the defaults they get.
func TestConfigureStandardsValid(t *testing.T) {
	vmwaretest.CleanEnv(t)
	c, err := vmwaretest.Configure(t, vs(map[string]interface{}{
		"cpus": 4, "cpu_cores": 2, "cpu_reservation": 1000, "cpu_limit": 2000, "memory": 2048, "memory_reservation": 2048,
		"cpu_hot_add": true, "memory_hot_add": true, "nested_hv": true, "video_ram": 8192,
		"disk_provisioning": "eager-zeroed", "cdrom_type": "sata", "boot_order": "cdrom, disk", "disk_controller_type": "nvme",
		"folder": "golden/linuxkit", "create_folder": true,
		"power_on": true, "wait_for_ip": true, "ip_wait_address": "10.0.0.0/8", "ip_wait_network": "lan2",
		"tags":             []map[string]string{{"category": "os", "name": "linuxkit"}},
		"network_adapters": []nic{{"network": "VM Network", "mac_address": "00:50:56:aa:00:01"}, {"network": "lan2", "type": "e1000e", "connected": false}},
	}))
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	if c.IPSettleTimeout.String() != "5s" {
		t.Errorf("ip_settle_timeout default %s, want 5s", c.IPSettleTimeout)
	}
	if n := c.NetworkAdapters; len(n) != 2 || n[0].Type != "vmxnet3" || *n[0].Connected != true || *n[1].Connected != false {
		t.Errorf("network_adapters after defaults: %+v", n)
	}
}

// TestConfigureDesktopNICErrors: network_adapters on a desktop target.
func TestConfigureDesktopNICErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		raw  map[string]interface{}
		want string
	}{
		{"network_type and network_adapters", fusion(map[string]interface{}{"network_type": "bridged", "network_adapters": []nic{{"network": "nat"}}}),
			"network_type and network_adapters are two forms of one setting"},
		{"desktop network", fusion(map[string]interface{}{"network_adapters": []nic{{"network": "VM Network"}}}),
			`network_adapters[0].network "VM Network" is not one of "nat", "bridged", "hostonly", or a custom network vmnet0`},
		{"desktop adapter type", fusion(map[string]interface{}{"network_adapters": []nic{{"type": "virtio"}}}),
			`network_adapters[0].type "virtio" is not one of "vmxnet3", "e1000e", "e1000"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			vmwaretest.CleanEnv(t)
			_, err := vmwaretest.Configure(t, tt.raw)
			vmwaretest.WantErrors(t, err, tt.want)
		})
	}
}
