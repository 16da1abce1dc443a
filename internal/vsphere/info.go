package vsphere

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// VMInfo is what the artifact and the HCP Packer metadata say about a VM.
type VMInfo struct {
	// Name is the VM's name and InventoryPath its full inventory path ("/DC0/vm/x"),
	// the artifact's Id.
	Name          string
	InventoryPath string
	// UUID is config.uuid (the BIOS UUID).
	UUID string
	// PowerState is runtime.powerState; Template is config.template.
	PowerState types.VirtualMachinePowerState
	Template   bool
	// IP is guest.ipAddress, when VMware Tools reports one.
	IP string
	// VMX is the configuration file's datastore path ("[ds] x/x.vmx").
	VMX string
	// BuildID is the value of extraConfig BuildIDKey.
	BuildID string
	// ConsoleLog is the datastore path of the file a serial port writes to, if any.
	ConsoleLog string
}

// Describe reads a VM's identity and state.
func (d *Driver) Describe(ctx context.Context, vm *object.VirtualMachine) (*VMInfo, error) {
	var m mo.VirtualMachine
	props := []string{"name", "config.uuid", "config.template", "config.files.vmPathName", "config.extraConfig",
		"config.hardware.device", "runtime.powerState", "guest.ipAddress"}
	err := d.retry(ctx, "describe VM", func() error {
		return vm.Properties(ctx, vm.Reference(), props, &m)
	})
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", vmName(vm), err)
	}
	info := &VMInfo{Name: m.Name, PowerState: m.Runtime.PowerState}
	if m.Guest != nil {
		info.IP = m.Guest.IpAddress
	}
	if c := m.Config; c != nil {
		info.UUID, info.Template, info.VMX = c.Uuid, c.Template, c.Files.VmPathName
		info.BuildID = extraConfigValue(c.ExtraConfig, BuildIDKey)
		for _, dev := range object.VirtualDeviceList(c.Hardware.Device).SelectByType((*types.VirtualSerialPort)(nil)) {
			if b, ok := dev.GetVirtualDevice().Backing.(*types.VirtualSerialPortFileBackingInfo); ok {
				info.ConsoleLog = b.FileName
			}
		}
	}
	err = d.retry(ctx, "inventory path", func() (err error) {
		info.InventoryPath, err = find.InventoryPath(ctx, d.vc, vm.Reference())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("inventory path of %s: %w", vmName(vm), err)
	}
	return info, nil
}

// extraConfigValue returns the string value of key in an extraConfig list, or "".
func extraConfigValue(opts []types.BaseOptionValue, key string) string {
	for _, o := range opts {
		if v := o.GetOptionValue(); v != nil && v.Key == key {
			s, _ := v.Value.(string)
			return s
		}
	}
	return ""
}
