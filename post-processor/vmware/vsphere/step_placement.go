package vsphere

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	vsdriver "github.com/seed844b7c54/packer-plugin-linuxkit/internal/vsphere"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// stepPlacement resolves the placement options (datacenter, cluster, host,
// resource pool, datastore, folder, network) in the inventory and puts the
// result (stateTarget); an unknown or ambiguous name stops the build,
// listing what exists, before anything is created. It has nothing to clean
// up.
type stepPlacement struct {
	placement vsdriver.Placement
}

func (s *stepPlacement) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	t, err := driver(state).FindPlacement(ctx, s.placement)
	if err != nil {
		return common.Halt(state, fmt.Errorf("placement: %w", err))
	}
	state.Put(stateTarget, t)
	common.UI(state).Say(fmt.Sprintf("Placement: %s", t))
	return multistep.ActionContinue
}

func (s *stepPlacement) Cleanup(multistep.StateBag) {}
