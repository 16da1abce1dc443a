package vsphere

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vmware/govmomi/event"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"
)

// setExtraConfig reconfigures extraConfig; vcsim turns SET.<property> keys into property
// values (guest.ipAddress, guest.toolsRunningStatus), standing in for VMware Tools.
func setExtraConfig(t *testing.T, vm *object.VirtualMachine, kv map[string]string) {
	t.Helper()
	var opts []types.BaseOptionValue
	for k, v := range kv {
		opts = append(opts, &types.OptionValue{Key: k, Value: v})
	}
	task, err := vm.Reconfigure(context.Background(), types.VirtualMachineConfigSpec{ExtraConfig: opts})
	if err == nil {
		err = task.Wait(context.Background())
	}
	if err != nil {
		t.Fatalf("reconfigure extraConfig: %v", err)
	}
}

// guestShutdowns counts the VM's VmGuestShutdownEvent events: proof that a shutdown was
// asked of the guest rather than forced.
func guestShutdowns(t *testing.T, d *Driver, vm *object.VirtualMachine) int {
	t.Helper()
	evs, err := event.NewManager(d.Client()).QueryEvents(context.Background(), types.EventFilterSpec{
		Entity: &types.EventFilterSpecByEntity{Entity: vm.Reference(), Recursion: types.EventFilterSpecRecursionOptionSelf},
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if _, ok := e.(*types.VmGuestShutdownEvent); ok {
			n++
		}
	}
	return n
}

func TestPowerWaitForIPShutdownTemplate(t *testing.T) {
	s := sharedSim(t)
	d, tg := s.target(t)
	ctx := context.Background()
	spec := minimalSpec("lk-life", "build-life")
	spec.SerialLog = true
	vm, err := d.CreateVM(ctx, tg, spec)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // powering on a running VM is harmless
		if err := d.PowerOn(ctx, vm); err != nil {
			t.Fatalf("PowerOn: %v", err)
		}
	}
	if st, err := d.PowerState(ctx, vm); err != nil || st != types.VirtualMachinePowerStatePoweredOn {
		t.Fatalf("power state %q, %v", st, err)
	}

	// No address yet, then only a link-local one: the wait times out with ErrIPTimeout.
	if _, err := d.WaitForIP(ctx, vm, 150*time.Millisecond); !errors.Is(err, ErrIPTimeout) {
		t.Fatalf("WaitForIP without an address: %v", err)
	}
	setExtraConfig(t, vm, map[string]string{"SET.guest.ipAddress": "fe80::1"})
	if _, err := d.WaitForIP(ctx, vm, 150*time.Millisecond); !errors.Is(err, ErrIPTimeout) {
		t.Fatalf("WaitForIP with a link-local address: %v", err)
	}

	// The address arrives while WaitForIP watches.
	got := make(chan string, 1)
	go func() {
		ip, err := d.WaitForIP(ctx, vm, time.Minute)
		if err != nil {
			t.Errorf("WaitForIP: %v", err)
		}
		got <- ip
	}()
	setExtraConfig(t, vm, map[string]string{"SET.guest.ipAddress": "10.118.0.7"})
	select {
	case ip := <-got:
		if ip != "10.118.0.7" {
			t.Errorf("WaitForIP = %q", ip)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("WaitForIP did not return after the address was set")
	}

	// Tools running: a guest shutdown, no forced power off.
	setExtraConfig(t, vm, map[string]string{"SET.guest.toolsRunningStatus": string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)})
	if err := d.Shutdown(ctx, vm, time.Minute); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if st, _ := d.PowerState(ctx, vm); st != types.VirtualMachinePowerStatePoweredOff || guestShutdowns(t, d, vm) != 1 {
		t.Errorf("after Shutdown: %s, %d guest shutdowns", st, guestShutdowns(t, d, vm))
	}
	if err := d.Shutdown(ctx, vm, time.Minute); err != nil { // already off
		t.Errorf("Shutdown of a stopped VM: %v", err)
	}

	// The guest refuses: powered off anyway.
	if err := d.PowerOn(ctx, vm); err != nil {
		t.Fatal(err)
	}
	s.AddFault("ShutdownGuest", &types.ToolsUnavailable{}, 1)
	if err := d.Shutdown(ctx, vm, time.Minute); err != nil {
		t.Fatalf("Shutdown with a refusing guest: %v", err)
	}
	if st, _ := d.PowerState(ctx, vm); st != types.VirtualMachinePowerStatePoweredOff {
		t.Errorf("after a refused shutdown: %s", st)
	}

	// Template: serial port removed first, then marked; both are idempotent.
	for range 2 {
		if err := d.RemoveSerialPorts(ctx, vm); err != nil {
			t.Fatalf("RemoveSerialPorts: %v", err)
		}
	}
	devices, err := vm.Device(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(devices.SelectByType((*types.VirtualSerialPort)(nil))); n != 0 {
		t.Errorf("%d serial ports left", n)
	}
	for range 2 {
		if err := d.MarkAsTemplate(ctx, vm); err != nil {
			t.Fatalf("MarkAsTemplate: %v", err)
		}
	}
	if info, err := d.Describe(ctx, vm); err != nil || !info.Template || info.ConsoleLog != "" {
		t.Errorf("Describe after templating: %+v, %v", info, err)
	}
}

func TestShutdownWithoutTools(t *testing.T) {
	s := sharedSim(t)
	d, tg := s.target(t)
	ctx := context.Background()
	vm, err := d.CreateVM(ctx, tg, minimalSpec("no-tools", "b"))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.PowerOn(ctx, vm); err != nil {
		t.Fatal(err)
	}
	if err := d.Shutdown(ctx, vm, time.Minute); err != nil {
		t.Fatal(err)
	}
	if st, _ := d.PowerState(ctx, vm); st != types.VirtualMachinePowerStatePoweredOff || guestShutdowns(t, d, vm) != 0 {
		t.Errorf("after Shutdown without tools: %s, %d guest shutdowns", st, guestShutdowns(t, d, vm))
	}
}
