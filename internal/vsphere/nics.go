package vsphere

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"
)

// NIC is one network adapter of a VM with several (network_adapters).
type NIC struct {
	// Network is a port group or distributed port group the placement resolved
	// (Placement.Networks); empty is the placement's Network.
	Network string
	// Adapter is "vmxnet3" (the default), "e1000e" or "e1000".
	Adapter string
	// MAC is a fixed MAC address ("00:50:56:..."); empty lets vSphere assign one.
	MAC string
	// Disconnected leaves the NIC unplugged at power-on.
	Disconnected bool
}

// check validates one NIC.
func (n NIC) check() error {
	switch n.Adapter {
	case "", "vmxnet3", "e1000e", "e1000":
	default:
		return fmt.Errorf("network adapter must be vmxnet3, e1000e or e1000, not %q", n.Adapter)
	}
	if n.MAC != "" {
		if hw, err := net.ParseMAC(n.MAC); err != nil || len(hw) != 6 {
			return fmt.Errorf("MAC address %q is not six colon-separated bytes", n.MAC)
		}
	}
	return nil
}

// findNetworks resolves every name of Placement.Networks, as the network option is resolved.
func (d *Driver) findNetworks(ctx context.Context, f *find.Finder, dc *object.Datacenter, names []string) (map[string]object.NetworkReference, error) {
	out := map[string]object.NetworkReference{}
	networks := func(ctx context.Context, arg string) ([]object.NetworkReference, error) {
		return d.attachableNetworks(ctx, f, arg)
	}
	label := func(n object.NetworkReference) string {
		return strings.TrimPrefix(n.GetInventoryPath(), dc.InventoryPath+"/network/")
	}
	for _, name := range names {
		if _, done := out[name]; done || name == "" {
			continue
		}
		n, err := pick(ctx, d, "network_adapters.network", name, "datacenter "+dc.Name(), networks, label)
		if err != nil {
			return nil, err
		}
		out[name] = n
	}
	return out, nil
}

// network returns the NIC's resolved network.
func (t *Target) network(name string) (object.NetworkReference, error) {
	if name == "" {
		if t.Network == nil {
			return nil, errors.New("no network in the target")
		}
		return t.Network, nil
	}
	n, ok := t.Networks[name]
	if !ok {
		return nil, fmt.Errorf("network %q was not resolved by the placement (Placement.Networks)", name)
	}
	return n, nil
}

// nicDevice creates one network adapter as n describes it.
func (d *Driver) nicDevice(ctx context.Context, t *Target, devices object.VirtualDeviceList, n NIC) (types.BaseVirtualDevice, error) {
	network, err := t.network(n.Network)
	if err != nil {
		return nil, err
	}
	backing, err := network.EthernetCardBackingInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("network %s: %w", network.GetInventoryPath(), err)
	}
	dev, err := devices.CreateEthernetCard(cmpOr(n.Adapter, DefaultNetAdapter), backing)
	if err != nil {
		return nil, err
	}
	setNIC(dev.(types.BaseVirtualEthernetCard).GetVirtualEthernetCard(), n)
	return dev, nil
}

// setNIC applies the fixed MAC and the connection state to a card.
func setNIC(card *types.VirtualEthernetCard, n NIC) {
	if n.MAC != "" {
		card.AddressType = string(types.VirtualEthernetCardMacTypeManual)
		card.MacAddress = strings.ToLower(n.MAC)
	}
	card.Connectable = &types.VirtualDeviceConnectInfo{StartConnected: !n.Disconnected, AllowGuestControl: true, Connected: !n.Disconnected}
}

// nics returns devices with the spec's network adapters added: its NICs, or the one adapter
// of type NetworkAdapter on the target's network.
func (d *Driver) nics(ctx context.Context, t *Target, devices object.VirtualDeviceList, s VMSpec) (object.VirtualDeviceList, error) {
	nics := s.NICs
	if len(nics) == 0 {
		nics = []NIC{{Adapter: s.NetworkAdapter}}
	}
	for _, n := range nics {
		dev, err := d.nicDevice(ctx, t, devices, n)
		if err != nil {
			return nil, err
		}
		devices = append(devices, dev)
	}
	return devices, nil
}

// importedNICs makes an imported VM's network adapters the spec's NICs: the OVF's one adapter
// becomes the first (its network, MAC and connection), and the others are added. It does
// nothing for a spec without NICs.
func (d *Driver) importedNICs(ctx context.Context, t *Target, vm *object.VirtualMachine, s VMSpec) error {
	if len(s.NICs) == 0 {
		return nil
	}
	devices, err := d.devices(ctx, vm)
	if err != nil {
		return err
	}
	cards := devices.SelectByType((*types.VirtualEthernetCard)(nil))
	if len(cards) != 1 {
		return fmt.Errorf("the imported VM has %d network adapters, want the OVF's one", len(cards))
	}
	var change []types.BaseVirtualDeviceConfigSpec
	first := cards[0]
	network, err := t.network(s.NICs[0].Network)
	if err != nil {
		return err
	}
	backing, err := network.EthernetCardBackingInfo(ctx)
	if err != nil {
		return fmt.Errorf("network %s: %w", network.GetInventoryPath(), err)
	}
	card := first.(types.BaseVirtualEthernetCard).GetVirtualEthernetCard()
	card.Backing = backing
	setNIC(card, s.NICs[0])
	change = append(change, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: first})
	for _, n := range s.NICs[1:] {
		dev, err := d.nicDevice(ctx, t, devices, n)
		if err != nil {
			return err
		}
		devices = append(devices, dev)
		change = append(change, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: dev})
	}
	return d.retry(ctx, "configure the network adapters of "+vmName(vm), func() error {
		task, err := vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{DeviceChange: change})
		if err != nil {
			return err
		}
		return task.Wait(ctx)
	})
}
