package desktop

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	vmwdesktop "github.com/seed844b7c54/packer-plugin-linuxkit/internal/desktop"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// stepStop stops the VM, in a run with keep_running = false only: `vmrun
// stop soft` first, giving the guest softStopTimeout to shut down, then
// `stop hard` if it still runs. It records the stop (stateStopped).
type stepStop struct {
	vmName string
}

func (s *stepStop) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	common.UI(state).Say(fmt.Sprintf("Stopping the VM %s (keep_running = false)...", s.vmName))
	vmrun := state.Get(stateVmrun).(*vmwdesktop.Vmrun)
	if err := vmrun.Shutdown(ctx, state.Get(stateVMX).(string), softStopTimeout); err != nil {
		return common.Halt(state, fmt.Errorf("stopping the VM: %w", err))
	}
	state.Put(stateStopped, true)
	return multistep.ActionContinue
}

func (s *stepStop) Cleanup(multistep.StateBag) {}
