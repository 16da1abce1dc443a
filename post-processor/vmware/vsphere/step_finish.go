package vsphere

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// stepSerial removes the serial console port before the VM becomes a
// template or a content library item: every clone would otherwise write to
// the same console file. A run has it only with serial_log and one of those.
// It has nothing to clean up.
type stepSerial struct{}

func (s *stepSerial) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	common.UI(state).Say("Removing the serial console port...")
	if err := driver(state).RemoveSerialPorts(ctx, vm(state)); err != nil {
		return common.Halt(state, fmt.Errorf("removing the serial port: %w", err))
	}
	return multistep.ActionContinue
}

func (s *stepSerial) Cleanup(multistep.StateBag) {}

// stepTemplate marks the (powered-off) VM as a template, in a run with
// convert_to_template only, and records it (stateTemplate). It is the last
// step, so it has nothing to clean up: the create step's cleanup removes the
// VM or template.
type stepTemplate struct {
	vmName string
}

func (s *stepTemplate) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	common.UI(state).Say(fmt.Sprintf("Marking %q as a template...", s.vmName))
	if err := driver(state).MarkAsTemplate(ctx, vm(state)); err != nil {
		return common.Halt(state, fmt.Errorf("marking the VM as a template: %w", err))
	}
	state.Put(stateTemplate, true)
	return multistep.ActionContinue
}

func (s *stepTemplate) Cleanup(multistep.StateBag) {}
