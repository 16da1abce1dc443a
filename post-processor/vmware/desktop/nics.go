package desktop

import (
	"fmt"

	vmwdesktop "github.com/seed844b7c54/packer-plugin-linuxkit/internal/desktop"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// prepareNICs checks network_adapters on a desktop target: each network is
// nat, bridged, hostonly or a custom vmnetN, and the list replaces the
// network_type shorthand.
func prepareNICs(hw *common.HardwareConfig, set map[string]bool) []error {
	var errs []error
	if len(hw.NetworkAdapters) > 0 && set["network_type"] {
		errs = append(errs, fmt.Errorf("network_type and network_adapters are two forms of one setting; "+
			"give each adapter its network in network_adapters and remove network_type"))
	}
	for i, n := range hw.NetworkAdapters {
		if n.Network == "" || vmwdesktop.IsCustomNetwork(n.Network) {
			continue
		}
		if err := common.OneOf(fmt.Sprintf("network_adapters[%d].network", i), n.Network, "nat", "bridged", "hostonly"); err != nil {
			errs = append(errs, fmt.Errorf("%w, or a custom network vmnet0 … vmnet19", err))
		}
	}
	return errs
}

// vmxNICs is the desktop engine's form of network_adapters.
func vmxNICs(hw *common.HardwareConfig) []vmwdesktop.NIC {
	var out []vmwdesktop.NIC
	for _, n := range hw.NetworkAdapters {
		out = append(out, vmwdesktop.NIC{Network: n.Network, Adapter: n.Type, MAC: n.MACAddress, Disconnected: !common.BoolOr(n.Connected, true)})
	}
	return out
}
