package vmware

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vsphere"
)

// stepVSphereCheckName makes sure the VM's name is free in its folder before
// anything is uploaded or created: an existing VM or template of that name is
// an error, unless overwrite (or Packer's -force) is set, which destroys it.
// A VM destroyed here is not restored if the build fails later.
type stepVSphereCheckName struct{}

func (s *stepVSphereCheckName) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r, ui := vsphereState(state)
	if r.cfg.Overwrite {
		if vm, err := r.driver.FindVM(ctx, r.target, r.cfg.VMName); err == nil && vm != nil {
			ui.Say(fmt.Sprintf("Removing the existing VM or template %q (overwrite)...", r.cfg.VMName))
		}
	}
	err := r.driver.ClearName(ctx, r.target, r.cfg.VMName, r.cfg.Overwrite)
	if errors.Is(err, vsphere.ErrExists) {
		return vsphereHalt(state, fmt.Errorf("a VM or template named %q already exists in the folder; "+
			"remove it, choose another vm_name, or set overwrite = true (or run packer build -force) to replace it: %w",
			r.cfg.VMName, err))
	}
	if err != nil {
		return vsphereHalt(state, fmt.Errorf("checking the name %q: %w", r.cfg.VMName, err))
	}
	return multistep.ActionContinue
}

func (s *stepVSphereCheckName) Cleanup(multistep.StateBag) {}
