package vsphere

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"
)

// RemoveSerialPorts removes every serial port from the VM, which must be powered off.
// Steps call it before templating or publishing, because every clone would otherwise
// write to the same console file.
func (d *Driver) RemoveSerialPorts(ctx context.Context, vm *object.VirtualMachine) error {
	var devices object.VirtualDeviceList
	err := d.retry(ctx, "read the VM's devices", func() (err error) {
		devices, err = vm.Device(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("remove serial ports of %s: %w", vmName(vm), err)
	}
	ports := devices.SelectByType((*types.VirtualSerialPort)(nil))
	if len(ports) == 0 {
		return nil
	}
	// keepFiles: the console log stays in the VM's folder for the user to read.
	if err := vm.RemoveDevice(ctx, true, ports...); err != nil {
		return fmt.Errorf("remove serial ports of %s: %w", vmName(vm), err)
	}
	d.logf("vSphere: removed %d serial port(s) from %s", len(ports), vmName(vm))
	return nil
}

// MarkAsTemplate turns the (powered-off) VM into a template; one that already is a template
// is left alone.
func (d *Driver) MarkAsTemplate(ctx context.Context, vm *object.VirtualMachine) error {
	var is bool
	err := d.retry(ctx, "read config.template", func() (err error) {
		is, err = vm.IsTemplate(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("mark %s as a template: %w", vmName(vm), err)
	}
	if is {
		return nil
	}
	if err := vm.MarkAsTemplate(ctx); err != nil {
		return fmt.Errorf("mark %s as a template: %w", vmName(vm), err)
	}
	d.logf("vSphere: %s is now a template", vmName(vm))
	return nil
}
