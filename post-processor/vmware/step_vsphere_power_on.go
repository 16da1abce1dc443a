package vmware

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
)

// stepVSpherePowerOn powers the VM on when power_on is set. Its cleanup has
// nothing of its own to undo: the create step's cleanup destroys the VM,
// powering it off first.
type stepVSpherePowerOn struct{}

func (s *stepVSpherePowerOn) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r, ui := vsphereState(state)
	if !r.cfg.PowerOn {
		return multistep.ActionContinue
	}
	ui.Say(fmt.Sprintf("Powering on %q...", r.cfg.VMName))
	if err := r.driver.PowerOn(ctx, r.vm); err != nil {
		return vsphereHalt(state, fmt.Errorf("powering on the VM: %w", err))
	}
	r.poweredOn = true
	return multistep.ActionContinue
}

func (s *stepVSpherePowerOn) Cleanup(multistep.StateBag) {}
