package vmware

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
)

// stepVSphereTemplate marks the (powered-off) VM as a template when
// convert_to_template is set. It is the last step, so it has nothing to
// clean up: the create step's cleanup removes the VM or template.
type stepVSphereTemplate struct{}

func (s *stepVSphereTemplate) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r, ui := vsphereState(state)
	if !r.cfg.ConvertToTemplate {
		return multistep.ActionContinue
	}
	ui.Say(fmt.Sprintf("Marking %q as a template...", r.cfg.VMName))
	if err := r.driver.MarkAsTemplate(ctx, r.vm); err != nil {
		return vsphereHalt(state, fmt.Errorf("marking the VM as a template: %w", err))
	}
	r.template = true
	return multistep.ActionContinue
}

func (s *stepVSphereTemplate) Cleanup(multistep.StateBag) {}
