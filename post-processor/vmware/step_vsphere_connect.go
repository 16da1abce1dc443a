package vmware

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vsphere"
)

// stepVSphereConnect logs in to vCenter. The password is never shown nor
// logged: the engine scrubs it from its errors, and Configure registered it
// with Packer's log filter. Cleanup logs out, whatever the outcome; it runs
// last, after every other step's cleanup used the session.
type stepVSphereConnect struct{}

func (s *stepVSphereConnect) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r, ui := vsphereState(state)
	ui.Say(fmt.Sprintf("Connecting to vCenter %s as %s...", r.conn.Server, r.conn.Username))
	d, err := vsphere.Connect(ctx, r.conn)
	if err != nil {
		return vsphereHalt(state, fmt.Errorf("connecting to vCenter: %w", err))
	}
	r.driver = d
	return multistep.ActionContinue
}

func (s *stepVSphereConnect) Cleanup(state multistep.StateBag) {
	r, _ := vsphereState(state)
	if r.driver != nil {
		r.driver.Close()
	}
}
