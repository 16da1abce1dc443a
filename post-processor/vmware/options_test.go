package vmware

import (
	"sort"
	"strings"
	"testing"
)

func TestTargetOptionLists(t *testing.T) {
	// The contract's desktop-only and vSphere-only names (DESIGN §3).
	wantDesktop := []string{"headless", "keep_running", "network_type", "serial_log_path", "vmrun_path", "vmx_data", "vmx_template"}
	wantVSphere := []string{"ca_file", "cluster", "configuration_parameters", "content_library", "convert_to_template",
		"datacenter", "datastore", "folder", "host", "insecure_connection", "network", "notes", "overwrite",
		"password", "power_on", "resource_pool", "shutdown_timeout", "upload_path", "username", "vcenter_server"}
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
