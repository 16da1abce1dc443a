package vsphere

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	vsdriver "github.com/seed844b7c54/packer-plugin-linuxkit/internal/vsphere"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// stepCheckName makes sure the VM's name is free in its folder before
// anything is uploaded or created: an existing VM or template of that name is
// an error, unless overwrite (or Packer's -force) is set, which destroys it.
// A VM destroyed here is not restored if the build fails later.
type stepCheckName struct {
	vmName    string
	overwrite bool
}

func (s *stepCheckName) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	d, t := driver(state), target(state)
	if s.overwrite {
		if vm, err := d.FindVM(ctx, t, s.vmName); err == nil && vm != nil {
			common.UI(state).Say(fmt.Sprintf("Removing the existing VM or template %q (overwrite)...", s.vmName))
		}
	}
	err := d.ClearName(ctx, t, s.vmName, s.overwrite)
	if errors.Is(err, vsdriver.ErrExists) {
		return common.Halt(state, fmt.Errorf("a VM or template named %q already exists in the folder; "+
			"remove it, choose another vm_name, or set overwrite = true (or run packer build -force) to replace it: %w",
			s.vmName, err))
	}
	if err != nil {
		return common.Halt(state, fmt.Errorf("checking the name %q: %w", s.vmName, err))
	}
	return multistep.ActionContinue
}

func (s *stepCheckName) Cleanup(multistep.StateBag) {}
