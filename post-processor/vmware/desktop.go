package vmware

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	vmwdesktop "github.com/seed844b7c54/packer-plugin-linuxkit/internal/desktop"
)

// State-bag keys of the desktop run. The "ui" and "error" keys are the ones
// every Packer step and commonsteps' runner use.
const (
	stateDesktopUI    = "ui"
	stateDesktopError = "error"
	stateDesktopRun   = "desktop_run" // *desktopRun
)

// Timeouts of the desktop target that have no option.
const (
	// desktopSoftStopTimeout is how long keep_running = false gives the guest
	// to shut down after `vmrun stop soft` before a hard stop.
	desktopSoftStopTimeout = 2 * time.Minute
	// desktopCleanupTimeout bounds the vmrun calls of a cleanup, which run
	// after the build's context may have been cancelled.
	desktopCleanupTimeout = 2 * time.Minute
)

// desktopRun is what the desktop steps share: the resolved configuration and
// the input, then what each step made. Steps fill it in order.
type desktopRun struct {
	cfg *Config
	in  *artifactInput

	// Set by stepDesktopCheck.
	firmware  string            // "bios" or "efi", matching the artifact
	bootMedia string            // "disk" or "iso"
	bootSrc   string            // the artifact's vmdk or ISO
	vmrun     *vmwdesktop.Vmrun // the vmrun to drive

	// Set by stepDesktopFolder.
	dir string // the VM folder, absolute

	// Set by the later steps.
	bootFile   string   // the copied boot medium, a file name in dir
	extraDisks []string // extra disks, file names in dir
	vmxPath    string   // dir/<vm_name>.vmx
	started    bool     // vmrun start was attempted
	stopped    bool     // keep_running = false stopped the VM
	ip         string   // the guest's IP (wait_for_ip)
}

// runDesktop makes a desktop VM (target fusion or workstation) from source:
// the steps below, run through commonsteps.NewRunner so -debug and -on-error
// behave as in every Packer plugin. On failure or cancellation the steps'
// cleanups stop the VM if it was started and remove the VM folder.
func (p *PostProcessor) runDesktop(ctx context.Context, ui packersdk.Ui, source packersdk.Artifact) (packersdk.Artifact, error) {
	in, err := readArtifactInput(source)
	if err != nil {
		return nil, err
	}
	cfg := p.config // a copy: a post-processor may run once per build
	cfg.ResolveNames(in.Name)
	if cfg.VMName == "" {
		return nil, errors.New("vm_name is empty and neither the artifact's name nor the build's name can stand in for it; set vm_name")
	}
	if err := checkVMName(cfg.VMName); err != nil {
		return nil, fmt.Errorf("the VM name taken from the artifact: %w; set vm_name", err)
	}
	run := &desktopRun{cfg: &cfg, in: in}

	state := new(multistep.BasicStateBag)
	state.Put(stateDesktopUI, ui)
	state.Put(stateDesktopRun, run)
	steps := []multistep.Step{
		&stepDesktopCheck{},
		&stepDesktopFolder{},
		&stepDesktopBootMedia{},
		&stepDesktopDisks{},
		&stepDesktopVMX{},
		&stepDesktopStart{},
		&stepDesktopWaitIP{},
		&stepDesktopStop{},
	}
	if err := runSteps(ctx, cfg.PackerConfig, ui, state, steps); err != nil {
		return nil, err
	}
	return newDesktopArtifact(run), nil
}

// desktopState returns the shared run and the UI.
func desktopState(state multistep.StateBag) (*desktopRun, packersdk.Ui) {
	return state.Get(stateDesktopRun).(*desktopRun), state.Get(stateDesktopUI).(packersdk.Ui)
}

// desktopHalt records err for the runner and the caller, shows it, and halts.
func desktopHalt(state multistep.StateBag, err error) multistep.StepAction {
	state.Put(stateDesktopError, err)
	state.Get(stateDesktopUI).(packersdk.Ui).Error(err.Error())
	return multistep.ActionHalt
}

// desktopFailed reports whether the run was cancelled or halted, the only
// case in which the steps' cleanups undo their work.
func desktopFailed(state multistep.StateBag) bool {
	_, cancelled := state.GetOk(multistep.StateCancelled)
	_, halted := state.GetOk(multistep.StateHalted)
	return cancelled || halted
}

// vmrunLogf sends vmrun's command lines and output to Packer's log
// (PACKER_LOG=1), not to the UI.
func vmrunLogf(format string, args ...any) { log.Printf("[INFO] linuxkit-vmware: "+format, args...) }

// boolOr returns *p, or def when the option was never defaulted (nil).
func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}
