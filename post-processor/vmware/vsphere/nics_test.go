package vsphere_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// nicsOf returns the VM's NICs as "network mac connected", in device order.
func nicsOf(t *testing.T, s *vsSim, v vsVM) []string {
	t.Helper()
	d, _ := s.driver(t)
	var out []string
	for _, dev := range vsDevices(v).SelectByType((*types.VirtualEthernetCard)(nil)) {
		card := dev.(types.BaseVirtualEthernetCard).GetVirtualEthernetCard()
		var network string
		switch b := card.Backing.(type) {
		case *types.VirtualEthernetCardNetworkBackingInfo:
			network = b.DeviceName
		case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
			var pg mo.DistributedVirtualPortgroup
			ref := types.ManagedObjectReference{Type: "DistributedVirtualPortgroup", Value: b.Port.PortgroupKey}
			if err := property.DefaultCollector(d.Client()).RetrieveOne(context.Background(), ref, []string{"name"}, &pg); err != nil {
				t.Fatal(err)
			}
			network = pg.Name
		}
		mac := card.MacAddress
		if card.AddressType != string(types.VirtualEthernetCardMacTypeManual) {
			mac = "auto"
		}
		out = append(out, fmt.Sprintf("%T %s %s %v", dev, network, mac, card.Connectable.StartConnected))
	}
	return out
}

// twoNICs are NICs on the standard port group and on a distributed port
// group of the VPX model, the first with a fixed MAC.
var twoNICs = []map[string]interface{}{
	{"network": "VM Network", "mac_address": "00:50:56:3f:00:01"},
	{"network": "DC0_DVPG0", "type": "e1000e", "connected": false},
}

var wantTwoNICs = []string{
	"*types.VirtualVmxnet3 VM Network 00:50:56:3f:00:01 true",
	"*types.VirtualE1000e DC0_DVPG0 auto false",
}

// TestVSphereTwoNICs makes a VM with two NICs on two networks, one with a
// fixed MAC, from the ISO and from an imported disk; an unknown network
// stops the build at the placement, listing the networks.
func TestVSphereTwoNICs(t *testing.T) {
	s := newVSSim(t)
	iso, _ := vsInput(t, "lknic", 1<<20)
	disk := filepath.Join(t.TempDir(), "lknicd.vmdk")
	vmwaretest.VMDK(t, disk, true)
	imported := vmwaretest.Input("lknicd", map[string]string{artifact.FormatVMDK: disk}, true)
	for _, in := range []*packersdk.MockArtifact{iso, imported} {
		cfg := s.config(map[string]interface{}{"network_adapters": twoNICs})
		delete(cfg, "network")
		if _, err := vmwaretest.Run(t, context.Background(), newVSUI(t), in, cfg, nil); err != nil {
			t.Fatalf("PostProcess: %v", err)
		}
	}
	vms := s.vms(t)
	if len(vms) != 2 {
		t.Fatalf("VMs: %v", vms)
	}
	for _, v := range vms {
		if got := nicsOf(t, s, v); !slices.Equal(got, wantTwoNICs) {
			t.Errorf("%s NICs:\n%s\nwant\n%s", v.Name, strings.Join(got, "\n"), strings.Join(wantTwoNICs, "\n"))
		}
	}
	cfg := s.config(map[string]interface{}{"vm_name": "lknic2", "network_adapters": []map[string]interface{}{{"network": "NoSuchNet"}}})
	delete(cfg, "network")
	_, err := vmwaretest.Run(t, context.Background(), newVSUI(t), iso, cfg, nil)
	if err == nil || !strings.Contains(err.Error(), `network_adapters.network "NoSuchNet" not found`) || !strings.Contains(err.Error(), "DC0_DVPG0") {
		t.Errorf("error %v, want the unknown network named with the candidates", err)
	}
	if len(s.vms(t)) != 2 {
		t.Errorf("the failed run left a VM: %v", s.vms(t))
	}
}

// TestVSphereIPWaitFilters waits for the address vcsim reports on the first
// NIC (configuration_parameters SET.guest.ipAddress): inside
// ip_wait_address and on ip_wait_network it is taken once it settled;
// outside the CIDR, or on the other NIC's network, the wait times out,
// naming the filter, and the VM is removed.
func TestVSphereIPWaitFilters(t *testing.T) {
	s := newVSSim(t)
	in, _ := vsInput(t, "lkipf", 1<<20)
	run := func(name string, extra map[string]interface{}) (string, error) {
		cfg := s.config(vmwaretest.With(map[string]interface{}{
			"vm_name": name, "power_on": true, "wait_for_ip": true, "ip_settle_timeout": "50ms",
			"configuration_parameters": map[string]string{"SET.guest.ipAddress": "10.20.30.40"},
			"network_adapters":         twoNICs,
		}, extra))
		delete(cfg, "network")
		art, err := vmwaretest.Run(t, context.Background(), newVSUI(t), in, cfg, nil)
		if err != nil {
			return "", err
		}
		ip, _ := art.State("ip").(string)
		return ip, nil
	}
	if ip, err := run("lkipf1", map[string]interface{}{"ip_wait_address": "10.0.0.0/8", "ip_wait_network": "VM Network"}); err != nil || ip != "10.20.30.40" {
		t.Errorf("wait in 10.0.0.0/8 on VM Network: %q, %v", ip, err)
	}
	for _, tc := range []struct {
		name  string
		extra map[string]interface{}
		want  string
	}{
		{"lkipf2", map[string]interface{}{"ip_wait_address": "192.168.0.0/16", "ip_wait_timeout": "300ms"}, "in 192.168.0.0/16 within 300ms"},
		{"lkipf3", map[string]interface{}{"ip_wait_network": "DC0_DVPG0", "ip_wait_timeout": "300ms"}, `on network "DC0_DVPG0"`},
	} {
		_, err := run(tc.name, tc.extra)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want a timeout saying %q", tc.name, err, tc.want)
		}
	}
	for _, v := range s.vms(t) {
		if v.Name != "lkipf1" {
			t.Errorf("a failed wait left %v", v)
		}
	}
}
