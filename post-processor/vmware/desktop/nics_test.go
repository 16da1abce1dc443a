package desktop_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// TestDesktopTwoNICs writes a VMX with the two NICs of network_adapters:
// NAT with a fixed MAC, and the custom network vmnet2 on an e1000e adapter
// that starts disconnected.
func TestDesktopTwoNICs(t *testing.T) {
	rig := newDesktopRig(t)
	vmdkPath := filepath.Join(t.TempDir(), "lkn.vmdk")
	vmwaretest.VMDK(t, vmdkPath, false)
	out := filepath.Join(t.TempDir(), "vm")
	_, err := vmwaretest.Run(t, context.Background(), newDTUI(), vmwaretest.Input("lkn", map[string]string{"vmdk": vmdkPath}, false), map[string]interface{}{
		"target": "workstation", "vmrun_path": rig.vmrun, "output_directory": out,
		"network_adapters": []map[string]interface{}{
			{"network": "nat", "mac_address": "00:50:56:3F:00:01"},
			{"network": "vmnet2", "type": "e1000e", "connected": false},
		},
	}, nil)
	if err != nil {
		t.Fatalf("PostProcess: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(out, "lkn.vmx"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "ethernet") {
			got = append(got, line)
		}
	}
	want := []string{
		`ethernet0.address = "00:50:56:3f:00:01"`, `ethernet0.addressType = "static"`, `ethernet0.connectionType = "nat"`,
		`ethernet0.present = "TRUE"`, `ethernet0.startConnected = "TRUE"`, `ethernet0.virtualDev = "vmxnet3"`,
		`ethernet1.addressType = "generated"`, `ethernet1.connectionType = "custom"`, `ethernet1.present = "TRUE"`,
		`ethernet1.startConnected = "FALSE"`, `ethernet1.virtualDev = "e1000e"`, `ethernet1.vnet = "vmnet2"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ethernet lines:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
