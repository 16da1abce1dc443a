package desktop

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
)

// NIC is one network adapter of a desktop VM with several (network_adapters).
type NIC struct {
	// Network is nat (the default), bridged, hostonly, or a custom virtual network
	// vmnet0 … vmnet19 (Workstation) / vmnetN (Fusion).
	Network string
	// Adapter is vmxnet3 (the default), e1000e or e1000.
	Adapter string
	// MAC is a fixed MAC address; empty lets VMware generate one.
	MAC string
	// Disconnected leaves the NIC unplugged at power-on.
	Disconnected bool
}

// customNetwork matches a custom virtual network's name.
var customNetwork = regexp.MustCompile(`^vmnet[0-9]{1,3}$`)

// IsCustomNetwork reports whether name is a custom virtual network (vmnetN), which a NIC
// joins with connectionType custom.
func IsCustomNetwork(name string) bool { return customNetwork.MatchString(name) }

// check validates the NIC, for the error of network_adapters[i].
func (n NIC) check(i int) error {
	if n.Network != "" && !customNetwork.MatchString(n.Network) {
		if err := oneOf(fmt.Sprintf("network_adapters[%d].network", i), n.Network, "nat", "bridged", "hostonly", "vmnetN"); err != nil {
			return err
		}
	}
	if n.Adapter != "" {
		if err := oneOf(fmt.Sprintf("network_adapters[%d].type", i), n.Adapter, "vmxnet3", "e1000e", "e1000"); err != nil {
			return err
		}
	}
	if n.MAC != "" {
		if hw, err := net.ParseMAC(n.MAC); err != nil || len(hw) != 6 {
			return fmt.Errorf("network_adapters[%d].mac_address %q is not six colon-separated bytes", i, n.MAC)
		}
	}
	return nil
}

// nics writes ethernet0 … ethernetN for the NICs: the connection type (custom with its
// vnet for a vmnetN), the adapter, a static address when a MAC is fixed, and whether it
// starts connected.
func (c *Config) nics(s *setter) {
	for i, n := range c.NICs {
		p := "ethernet" + strconv.Itoa(i)
		s.set(p+".present", "TRUE")
		network := n.Network
		if network == "" {
			network = DefaultNetworkType
		}
		if customNetwork.MatchString(network) {
			s.set(p+".connectionType", "custom")
			s.set(p+".vnet", network)
		} else {
			s.set(p+".connectionType", network)
		}
		adapter := n.Adapter
		if adapter == "" {
			adapter = DefaultNetworkAdapter
		}
		s.set(p+".virtualDev", adapter)
		if n.MAC != "" {
			s.set(p+".addressType", "static")
			s.set(p+".address", strings.ToLower(n.MAC))
		} else {
			s.set(p+".addressType", "generated")
		}
		if n.Disconnected {
			s.set(p+".startConnected", "FALSE")
		} else {
			s.set(p+".startConnected", "TRUE")
		}
	}
}
