package vmware

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
)

// stepVSpherePlacement resolves the placement options (datacenter, cluster,
// host, resource pool, datastore, folder, network) in the inventory; an
// unknown or ambiguous name stops the build, listing what exists, before
// anything is created. It has nothing to clean up.
type stepVSpherePlacement struct{}

func (s *stepVSpherePlacement) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r, ui := vsphereState(state)
	t, err := r.driver.FindPlacement(ctx, r.placement)
	if err != nil {
		return vsphereHalt(state, fmt.Errorf("placement: %w", err))
	}
	r.target = t
	ui.Say(fmt.Sprintf("Placement: %s", t))
	return multistep.ActionContinue
}

func (s *stepVSpherePlacement) Cleanup(multistep.StateBag) {}
