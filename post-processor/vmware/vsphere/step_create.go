package vsphere

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	"github.com/vmware/govmomi/object"

	vsdriver "github.com/seed844b7c54/packer-plugin-linuxkit/internal/vsphere"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// stepCreate creates the VM and puts it (stateVM, stateInfo): from the
// uploaded ISO (stateISOPath, a CD-ROM that boots first) with CreateVM, or
// from the streamOptimized vmdk (stateStreamVMDK) with ImportVM. Every VM
// carries the run's build id in its extraConfig, so Cleanup, after a failure
// or a cancellation, removes exactly what this run made, over a new
// connection when the old one dropped.
type stepCreate struct {
	spec    vsdriver.VMSpec // all but the ISO's datastore path
	iso     bool            // boot from the ISO, not an imported disk
	in      *common.Input   // for the serial console warning
	cleaner *cleaner
}

func (s *stepCreate) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui, d, t := common.UI(state), driver(state), target(state)
	spec := s.spec
	if spec.SerialLog {
		s.in.WarnSerialConsole(ui)
	}
	var vm *object.VirtualMachine
	var err error
	if s.iso {
		spec.ISO = state.Get(stateISOPath).(string)
		ui.Say(fmt.Sprintf("Creating the VM %q with the ISO %s...", spec.Name, spec.ISO))
		vm, err = d.CreateVM(ctx, t, spec)
	} else {
		stream := state.Get(stateStreamVMDK).(string)
		ui.Say(fmt.Sprintf("Importing the VM %q from %s...", spec.Name, filepath.Base(stream)))
		progress := newTransfer(ui, filepath.Base(stream))
		vm, err = d.ImportVM(ctx, t, spec, stream, progress.update)
		progress.close()
	}
	if err != nil {
		return common.Halt(state, fmt.Errorf("creating the VM %q: %w", spec.Name, err))
	}
	state.Put(stateVM, vm)
	info, err := d.Describe(ctx, vm)
	if err != nil {
		return common.Halt(state, fmt.Errorf("reading the new VM: %w", err))
	}
	state.Put(stateInfo, info)
	ui.Say(fmt.Sprintf("Created %s (uuid %s)", info.InventoryPath, info.UUID))
	return multistep.ActionContinue
}

// Cleanup removes every VM and template tagged with the run's build id after
// a failure or a cancellation, even one whose creation returned an error.
func (s *stepCreate) Cleanup(state multistep.StateBag) {
	if !common.Failed(state) {
		return
	}
	common.UI(state).Say(fmt.Sprintf("Removing the VMs of build %s...", s.cleaner.buildID))
	s.cleaner.cleanup(state, nil)
}
