package vsphere

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// WaitForIP waits until VMware Tools in the guest reports a usable IP address
// (ignoring loopback, link-local and unspecified addresses) on any NIC and returns it:
// WaitForIPAddress without filters or settling. A timeout of 0 waits as long as ctx
// allows; running out of time is ErrIPTimeout.
func (d *Driver) WaitForIP(ctx context.Context, vm *object.VirtualMachine, timeout time.Duration) (string, error) {
	return d.WaitForIPAddress(ctx, vm, IPWait{Timeout: timeout})
}

// usableIP accepts an address a user could reach the guest on.
func usableIP(s string) bool {
	ip := net.ParseIP(s)
	return ip != nil && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() && !ip.IsUnspecified()
}

// Shutdown stops the VM gracefully when it can: with VMware Tools running it asks the guest
// to shut down and waits up to timeout for it to power off; otherwise, or when the guest
// refuses or takes too long, it powers the VM off. A VM that is already off is left alone.
func (d *Driver) Shutdown(ctx context.Context, vm *object.VirtualMachine, timeout time.Duration) error {
	var m mo.VirtualMachine
	err := d.retry(ctx, "read the power state", func() error {
		return vm.Properties(ctx, vm.Reference(), []string{"runtime.powerState", "guest.toolsRunningStatus"}, &m)
	})
	if err != nil {
		return fmt.Errorf("shut down %s: %w", vmName(vm), err)
	}
	if m.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOff {
		return nil
	}
	running := m.Guest != nil && m.Guest.ToolsRunningStatus == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
	if !running {
		d.logf("vSphere: VMware Tools is not running in %s: powering it off", vmName(vm))
		return d.PowerOff(ctx, vm)
	}
	if err := vm.ShutdownGuest(ctx); err != nil {
		d.logf("vSphere: the guest of %s refused to shut down (%v): powering it off", vmName(vm), err)
		return d.PowerOff(ctx, vm)
	}
	d.logf("vSphere: asked the guest of %s to shut down; waiting up to %s", vmName(vm), timeout)
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err = vm.WaitForPowerState(wctx, types.VirtualMachinePowerStatePoweredOff)
	switch {
	case err == nil:
		d.logf("vSphere: %s shut down", vmName(vm))
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("shut down %s: %w", vmName(vm), ctx.Err())
	}
	d.logf("vSphere: %s did not shut down within %s (%v): powering it off", vmName(vm), timeout, err)
	return d.PowerOff(ctx, vm)
}
