package desktop

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	vmwdesktop "github.com/seed844b7c54/packer-plugin-linuxkit/internal/desktop"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// stepStart powers the VM on with `vmrun start <vmx> nogui` (`gui` when
// headless = false) and records the attempt (stateStarted). After a failure
// or a cancellation, Cleanup stops the VM hard if it runs, before the folder
// step removes its folder.
type stepStart struct {
	vmName string
	gui    bool // headless = false
}

func (s *stepStart) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	mode := "headless"
	if s.gui {
		mode = "with its window"
	}
	common.UI(state).Say(fmt.Sprintf("Starting the VM %s (%s)...", s.vmName, mode))
	state.Put(stateStarted, true) // a failed start may still have powered it on
	vmrun := state.Get(stateVmrun).(*vmwdesktop.Vmrun)
	if err := vmrun.Start(ctx, state.Get(stateVMX).(string), s.gui); err != nil {
		return common.Halt(state, fmt.Errorf("starting the VM: %w", err))
	}
	return multistep.ActionContinue
}

// Cleanup stops the VM after a failure or a cancellation, unless it is known
// not to run. It uses a context of its own: the build's may be cancelled.
func (s *stepStart) Cleanup(state multistep.StateBag) {
	if !common.StateBool(state, stateStarted) || common.StateBool(state, stateStopped) || !common.Failed(state) {
		return
	}
	ui, vmx := common.UI(state), state.Get(stateVMX).(string)
	vmrun := state.Get(stateVmrun).(*vmwdesktop.Vmrun)
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	running, err := vmrun.IsRunning(ctx, vmx)
	if err == nil && !running {
		return
	}
	ui.Say(fmt.Sprintf("Stopping the VM %s...", s.vmName))
	if err := vmrun.Stop(ctx, vmx, true); err != nil {
		ui.Error(fmt.Sprintf("Stopping the VM %s: %v", vmx, err))
	}
}
