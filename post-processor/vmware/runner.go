package vmware

import (
	"context"
	"errors"

	"github.com/hashicorp/packer-plugin-sdk/common"
	"github.com/hashicorp/packer-plugin-sdk/multistep"
	"github.com/hashicorp/packer-plugin-sdk/multistep/commonsteps"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// runSteps runs a target's steps through commonsteps.NewRunner, so -on-error
// and -debug behave as in every plugin, and returns the error a step
// recorded (desktopHalt), or why the run stopped.
func runSteps(ctx context.Context, cfg common.PackerConfig, ui packersdk.Ui, state multistep.StateBag, steps []multistep.Step) error {
	commonsteps.NewRunner(steps, cfg, ui).Run(ctx, state)
	if v, ok := state.GetOk(stateDesktopError); ok {
		return v.(error)
	}
	if _, ok := state.GetOk(multistep.StateCancelled); ok {
		return errors.New("the build was cancelled")
	}
	if _, ok := state.GetOk(multistep.StateHalted); ok {
		return errors.New("the build was halted")
	}
	return nil
}
