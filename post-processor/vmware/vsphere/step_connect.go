package vsphere

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	"github.com/vmware/govmomi/object"

	vsdriver "github.com/seed844b7c54/packer-plugin-linuxkit/internal/vsphere"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// stepConnect logs in to vCenter and puts the session (stateDriver). The
// password is never shown nor logged: the engine scrubs it from its errors,
// and Configure registered it with Packer's log filter. Cleanup logs out,
// whatever the outcome; it runs last, after every other step's cleanup used
// the session.
type stepConnect struct {
	conn vsdriver.ConnectConfig
}

func (s *stepConnect) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	common.UI(state).Say(fmt.Sprintf("Connecting to vCenter %s as %s...", s.conn.Server, s.conn.Username))
	d, err := vsdriver.Connect(ctx, s.conn)
	if err != nil {
		return common.Halt(state, fmt.Errorf("connecting to vCenter: %w", err))
	}
	state.Put(stateDriver, d)
	return multistep.ActionContinue
}

func (s *stepConnect) Cleanup(state multistep.StateBag) {
	if d, ok := state.GetOk(stateDriver); ok {
		d.(*vsdriver.Driver).Close()
	}
}

// driver returns the session stepConnect opened.
func driver(state multistep.StateBag) *vsdriver.Driver {
	return state.Get(stateDriver).(*vsdriver.Driver)
}

// target returns the placement stepPlacement resolved.
func target(state multistep.StateBag) *vsdriver.Target {
	return state.Get(stateTarget).(*vsdriver.Target)
}

// vm returns the VM stepCreate made.
func vm(state multistep.StateBag) *object.VirtualMachine {
	return state.Get(stateVM).(*object.VirtualMachine)
}
