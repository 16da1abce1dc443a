package vmware

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
)

// stepDesktopStop stops the VM when keep_running = false: `vmrun stop soft`
// first, giving the guest desktopSoftStopTimeout to shut down, then `stop
// hard` if it still runs. With keep_running = true (the default) it leaves
// the VM running.
type stepDesktopStop struct{}

func (s *stepDesktopStop) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r, ui := desktopState(state)
	if boolOr(r.cfg.KeepRunning, true) {
		ui.Say(fmt.Sprintf("The VM %s keeps running (keep_running = true)", r.cfg.VMName))
		return multistep.ActionContinue
	}
	ui.Say(fmt.Sprintf("Stopping the VM %s (keep_running = false)...", r.cfg.VMName))
	if err := r.vmrun.Shutdown(ctx, r.vmxPath, desktopSoftStopTimeout); err != nil {
		return desktopHalt(state, fmt.Errorf("stopping the VM: %w", err))
	}
	r.stopped = true
	return multistep.ActionContinue
}

func (s *stepDesktopStop) Cleanup(multistep.StateBag) {}
