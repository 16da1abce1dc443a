package vsphere

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// PowerState returns the VM's runtime.powerState (poweredOn, poweredOff or suspended).
func (d *Driver) PowerState(ctx context.Context, vm *object.VirtualMachine) (types.VirtualMachinePowerState, error) {
	var m mo.VirtualMachine
	err := d.retry(ctx, "read the power state", func() error {
		return vm.Properties(ctx, vm.Reference(), []string{"runtime.powerState"}, &m)
	})
	if err != nil {
		return "", fmt.Errorf("power state of %s: %w", vmName(vm), err)
	}
	return m.Runtime.PowerState, nil
}

// PowerOn starts the VM; one that already runs is left alone.
func (d *Driver) PowerOn(ctx context.Context, vm *object.VirtualMachine) error {
	state, err := d.PowerState(ctx, vm)
	if err != nil || state == types.VirtualMachinePowerStatePoweredOn {
		return err
	}
	task, err := vm.PowerOn(ctx)
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil && !fault.Is(err, &types.InvalidPowerState{}) {
		return fmt.Errorf("power on %s: %w", vmName(vm), err)
	}
	d.logf("vSphere: powered on %s", vmName(vm))
	return nil
}

// PowerOff stops the VM at once (no guest shutdown); one that is already off is left alone.
func (d *Driver) PowerOff(ctx context.Context, vm *object.VirtualMachine) error {
	state, err := d.PowerState(ctx, vm)
	if err != nil || state == types.VirtualMachinePowerStatePoweredOff {
		return err
	}
	task, err := vm.PowerOff(ctx)
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil && !fault.Is(err, &types.InvalidPowerState{}) {
		return fmt.Errorf("power off %s: %w", vmName(vm), err)
	}
	d.logf("vSphere: powered off %s", vmName(vm))
	return nil
}

// vmName names a VM in messages: its inventory path, else its managed object id.
func vmName(vm *object.VirtualMachine) string {
	return cmpOr(vm.InventoryPath, vm.Reference().Value)
}
