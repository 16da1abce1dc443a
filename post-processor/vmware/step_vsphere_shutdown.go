package vmware

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
)

// stepVSphereShutdown stops a powered-on VM before it becomes a template or
// a content library item, which need it off: gracefully when VMware Tools
// run, powered off after shutdown_timeout otherwise. A VM that is not made
// into either is left running. It has nothing to clean up.
type stepVSphereShutdown struct{}

func (s *stepVSphereShutdown) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r, ui := vsphereState(state)
	if !r.poweredOn || !vsphereFinalizes(r.cfg) {
		return multistep.ActionContinue
	}
	ui.Say(fmt.Sprintf("Shutting down %q (up to %s)...", r.cfg.VMName, r.cfg.ShutdownTimeout))
	if err := r.driver.Shutdown(ctx, r.vm, r.cfg.ShutdownTimeout); err != nil {
		return vsphereHalt(state, fmt.Errorf("shutting down the VM: %w", err))
	}
	r.poweredOn = false
	return multistep.ActionContinue
}

func (s *stepVSphereShutdown) Cleanup(multistep.StateBag) {}

// vsphereFinalizes reports whether the VM becomes a template or a content
// library item, which both need it off and without serial ports.
func vsphereFinalizes(c *Config) bool { return c.ConvertToTemplate || c.ContentLibrary != nil }
