package vsphere

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	vsdriver "github.com/seed844b7c54/packer-plugin-linuxkit/internal/vsphere"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// stepPowerOn powers the VM on, in a run with power_on only. Its cleanup has
// nothing of its own to undo: the create step's cleanup destroys the VM,
// powering it off first.
type stepPowerOn struct {
	vmName string
}

func (s *stepPowerOn) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	common.UI(state).Say(fmt.Sprintf("Powering on %q...", s.vmName))
	if err := driver(state).PowerOn(ctx, vm(state)); err != nil {
		return common.Halt(state, fmt.Errorf("powering on the VM: %w", err))
	}
	return multistep.ActionContinue
}

func (s *stepPowerOn) Cleanup(multistep.StateBag) {}

// stepWaitIP waits, in a run with wait_for_ip only, until VMware Tools in
// the guest reports an IP address (stateIP) that ip_wait_address and
// ip_wait_network accept and that stays for ip_settle_timeout, for at most
// ip_wait_timeout. It has nothing to clean up.
type stepWaitIP struct {
	wait vsdriver.IPWait
}

func (s *stepWaitIP) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui := common.UI(state)
	ui.Say(fmt.Sprintf("Waiting up to %s for the guest's IP address...", s.wait.Timeout))
	ip, err := driver(state).WaitForIPAddress(ctx, vm(state), s.wait)
	if err != nil {
		return common.Halt(state, fmt.Errorf("waiting for the IP address (VMware Tools or open-vm-tools must run in the image): %w", err))
	}
	state.Put(stateIP, ip)
	ui.Say(fmt.Sprintf("IP address: %s", ip))
	return multistep.ActionContinue
}

func (s *stepWaitIP) Cleanup(multistep.StateBag) {}

// stepShutdown stops the powered-on VM before it becomes a template or a
// content library item, which need it off: gracefully when VMware Tools
// run, powered off after shutdown_timeout otherwise. A run has it only with
// power_on and one of those; a VM made into neither is left running. It has
// nothing to clean up.
type stepShutdown struct {
	vmName  string
	timeout time.Duration // shutdown_timeout
}

func (s *stepShutdown) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	common.UI(state).Say(fmt.Sprintf("Shutting down %q (up to %s)...", s.vmName, s.timeout))
	if err := driver(state).Shutdown(ctx, vm(state), s.timeout); err != nil {
		return common.Halt(state, fmt.Errorf("shutting down the VM: %w", err))
	}
	return multistep.ActionContinue
}

func (s *stepShutdown) Cleanup(multistep.StateBag) {}
