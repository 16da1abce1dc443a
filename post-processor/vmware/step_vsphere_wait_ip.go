package vmware

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
)

// stepVSphereWaitIP waits, when wait_for_ip is set, until VMware Tools in the
// guest reports an IP address, for at most ip_wait_timeout. It has nothing to
// clean up.
type stepVSphereWaitIP struct{}

func (s *stepVSphereWaitIP) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r, ui := vsphereState(state)
	if !r.cfg.WaitForIP {
		return multistep.ActionContinue
	}
	ui.Say(fmt.Sprintf("Waiting up to %s for the guest's IP address...", r.cfg.IPWaitTimeout))
	ip, err := r.driver.WaitForIP(ctx, r.vm, r.cfg.IPWaitTimeout)
	if err != nil {
		return vsphereHalt(state, fmt.Errorf("waiting for the IP address (VMware Tools or open-vm-tools must run in the image): %w", err))
	}
	r.ip = ip
	ui.Say(fmt.Sprintf("IP address: %s", ip))
	return multistep.ActionContinue
}

func (s *stepVSphereWaitIP) Cleanup(multistep.StateBag) {}
