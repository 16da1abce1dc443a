package vmware

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
)

// stepVSphereSerial removes the serial console port before the VM becomes a
// template or a content library item: every clone would otherwise write to
// the same console file. It has nothing to clean up.
type stepVSphereSerial struct{}

func (s *stepVSphereSerial) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r, ui := vsphereState(state)
	if !boolOr(r.cfg.SerialLog, true) || !vsphereFinalizes(r.cfg) {
		return multistep.ActionContinue
	}
	ui.Say("Removing the serial console port...")
	if err := r.driver.RemoveSerialPorts(ctx, r.vm); err != nil {
		return vsphereHalt(state, fmt.Errorf("removing the serial port: %w", err))
	}
	return multistep.ActionContinue
}

func (s *stepVSphereSerial) Cleanup(multistep.StateBag) {}
