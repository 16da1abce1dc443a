package vmware

import (
	"sort"
	"strings"
	"testing"
)

func TestTargetOptionLists(t *testing.T) {
	// The contract's desktop-only and vSphere-only names (DESIGN §3).
	wantDesktop := []string{"headless", "keep_running", "network_type", "serial_log_path", "vmrun_path", "vmx_data", "vmx_template"}
	wantVSphere := []string{"boot_order", "ca_file", "cdrom_type", "cluster", "configuration_parameters", "content_library", "convert_to_template",
		"cpu_cores", "cpu_hot_add", "cpu_limit", "cpu_reservation", "create_folder", "create_tags",
		"datacenter", "datastore", "datastore_cluster", "disk_provisioning", "folder", "host", "insecure_connection",
		"ip_settle_timeout", "ip_wait_address", "ip_wait_network", "memory_hot_add", "memory_limit", "memory_reservation",
		"nested_hv", "network", "notes", "overwrite",
		"password", "power_on", "resource_pool", "shutdown_timeout", "tags", "upload_path", "username", "vcenter_server", "video_ram"}
	for _, tt := range []struct {
		got  map[string]bool
		want []string
	}{{desktopOptions, wantDesktop}, {vsphereOptions, wantVSphere}} {
		var got []string
		for k := range tt.got {
			got = append(got, k)
		}
		sort.Strings(got)
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("option list = %v, want %v", got, tt.want)
		}
	}
}
