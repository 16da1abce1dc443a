package vmware

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
)

// stepDesktopStart powers the VM on with `vmrun start <vmx> nogui` (`gui`
// when headless = false). After a failure or a cancellation, Cleanup stops
// the VM hard if it runs, before the folder step removes its folder.
type stepDesktopStart struct{}

func (s *stepDesktopStart) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r, ui := desktopState(state)
	gui := !boolOr(r.cfg.Headless, true)
	mode := "headless"
	if gui {
		mode = "with its window"
	}
	ui.Say(fmt.Sprintf("Starting the VM %s (%s)...", r.cfg.VMName, mode))
	r.started = true // a failed start may still have powered it on
	if err := r.vmrun.Start(ctx, r.vmxPath, gui); err != nil {
		return desktopHalt(state, fmt.Errorf("starting the VM: %w", err))
	}
	return multistep.ActionContinue
}

// Cleanup stops the VM after a failure or a cancellation, unless it is known
// not to run. It uses a context of its own: the build's may be cancelled.
func (s *stepDesktopStart) Cleanup(state multistep.StateBag) {
	r, ui := desktopState(state)
	if !r.started || r.stopped || !desktopFailed(state) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), desktopCleanupTimeout)
	defer cancel()
	running, err := r.vmrun.IsRunning(ctx, r.vmxPath)
	if err == nil && !running {
		return
	}
	ui.Say(fmt.Sprintf("Stopping the VM %s...", r.cfg.VMName))
	if err := r.vmrun.Stop(ctx, r.vmxPath, true); err != nil {
		ui.Error(fmt.Sprintf("Stopping the VM %s: %v", r.vmxPath, err))
	}
}
