//go:generate go tool packer-sdc struct-markdown
//go:generate go tool packer-sdc mapstructure-to-hcl2 -type NetworkAdapterConfig

package common

import (
	"fmt"
	"net"
)

// NetworkAdapterConfig is one entry of network_adapters: a NIC of its own
// network, model, MAC address and connection state.
type NetworkAdapterConfig struct {
	// The network: on vSphere a port group or distributed port group
	// (defaults to `VCNETWORK` or `GOVC_NETWORK`, else the first network
	// named in network_adapters, else the only one); on the desktop targets `nat`,
	// `bridged`, `hostonly` or a custom `vmnetN` (defaults to `network_type`'s
	// default, `nat`).
	Network string `mapstructure:"network"`
	// The adapter model: `vmxnet3` (the default), `e1000e` or `e1000`.
	Type string `mapstructure:"type"`
	// A fixed MAC address, six colon-separated bytes (`00:50:56:aa:bb:01`).
	// Defaults to one the platform assigns.
	MACAddress string `mapstructure:"mac_address"`
	// Whether the NIC is connected at power-on. Defaults to `true`.
	Connected *bool `mapstructure:"connected"`
}

// NICConfig holds the list form of the network options; network and
// network_adapter_type stay the one-NIC shorthand.
type NICConfig struct {
	// The VM's network adapters, in order, when it has several or needs a
	// fixed MAC address: in HCL one `network_adapters { network = "VM
	// Network" mac_address = "00:50:56:aa:bb:01" }` block per NIC, in JSON a
	// list of such objects. Setting it together with `network_adapter_type` (or,
	// on vSphere, `network`; on the desktop targets, `network_type`) is an
	// error: those are the one-NIC shorthand.
	NetworkAdapters []NetworkAdapterConfig `mapstructure:"network_adapters"`
}

// Prepare checks every adapter and the rule that the list and the
// one-NIC shorthand are not both used. set holds the options the user wrote.
func (c *NICConfig) Prepare(set map[string]bool) []error {
	var errs []error
	if len(c.NetworkAdapters) > 0 && set["network_adapter_type"] {
		errs = append(errs, fmt.Errorf("network_adapters and network_adapter_type are two forms of one setting; "+
			"give each adapter its type in network_adapters and remove network_adapter_type"))
	}
	macs := map[string]int{}
	for i := range c.NetworkAdapters {
		n := &c.NetworkAdapters[i]
		if n.Type == "" {
			n.Type = DefaultNetworkAdapterType
		} else if err := OneOf(fmt.Sprintf("network_adapters[%d].type", i), n.Type, "vmxnet3", "e1000e", "e1000"); err != nil {
			errs = append(errs, err)
		}
		if n.MACAddress != "" {
			hw, err := net.ParseMAC(n.MACAddress)
			if err != nil || len(hw) != 6 {
				errs = append(errs, fmt.Errorf("network_adapters[%d].mac_address %q is not six colon-separated bytes like 00:50:56:aa:bb:01", i, n.MACAddress))
			} else if j, dup := macs[hw.String()]; dup {
				errs = append(errs, fmt.Errorf("network_adapters[%d].mac_address %q is also network_adapters[%d]'s", i, n.MACAddress, j))
			} else {
				macs[hw.String()] = i
			}
		}
		if n.Connected == nil {
			n.Connected = BoolPtr(true)
		}
	}
	return errs
}

// CheckNICVersions checks each adapter of network_adapters against the
// hardware version, as PrepareDevices checks network_adapter_type; the
// post-processor calls it once the target set its default version.
func (c *HardwareConfig) CheckNICVersions() []error {
	var errs []error
	if c.HardwareVersion <= 0 {
		return nil
	}
	for i, n := range c.NetworkAdapters {
		if need := minHardwareVersion[n.Type]; c.HardwareVersion < need {
			errs = append(errs, fmt.Errorf("network_adapters[%d].type %q needs hardware_version %d or later, not %d",
				i, n.Type, need, c.HardwareVersion))
		}
	}
	return errs
}
