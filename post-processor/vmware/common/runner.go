package common

import (
	"context"
	"errors"
	"log"

	packercommon "github.com/hashicorp/packer-plugin-sdk/common"
	"github.com/hashicorp/packer-plugin-sdk/multistep"
	"github.com/hashicorp/packer-plugin-sdk/multistep/commonsteps"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// State-bag keys every target's run uses: the ones every Packer step and
// commonsteps' runner use.
const (
	// StateUI holds the packersdk.Ui.
	StateUI = "ui"
	// StateError holds the error a step halted with (see Halt).
	StateError = "error"
)

// Job is what a target's run takes from the post-processor's configuration
// besides its own options: Packer's options, the target, and a copy of the
// shared hardware options, which the run completes (vm_name) for itself.
type Job struct {
	Packer   packercommon.PackerConfig
	Target   string
	Hardware HardwareConfig
}

// Begin is how every target's Run starts: it reads the builder's artifact
// and returns it with a copy of the job's hardware options whose VM name is
// resolved (vm_name, else the artifact's name, else the build's).
func (j Job) Begin(source packersdk.Artifact) (*Input, HardwareConfig, error) {
	in, err := ReadInput(source)
	if err != nil {
		return nil, HardwareConfig{}, err
	}
	hw := j.Hardware
	if err := hw.ResolveVMName(in.Name, j.Packer.PackerBuildName); err != nil {
		return nil, HardwareConfig{}, err
	}
	return in, hw, nil
}

// RunSteps runs a target's steps through commonsteps.NewRunner, so -on-error
// and -debug behave as in every plugin, and returns the error a step
// recorded (Halt), or why the run stopped.
func RunSteps(ctx context.Context, cfg packercommon.PackerConfig, ui packersdk.Ui, state multistep.StateBag, steps []multistep.Step) error {
	commonsteps.NewRunner(steps, cfg, ui).Run(ctx, state)
	if v, ok := state.GetOk(StateError); ok {
		return v.(error)
	}
	if _, ok := state.GetOk(multistep.StateCancelled); ok {
		return errors.New("the build was cancelled")
	}
	if _, ok := state.GetOk(multistep.StateHalted); ok {
		return errors.New("the build was halted")
	}
	return nil
}

// NewState returns a state bag holding ui, ready for RunSteps.
func NewState(ui packersdk.Ui) *multistep.BasicStateBag {
	state := new(multistep.BasicStateBag)
	state.Put(StateUI, ui)
	return state
}

// UI returns the run's UI.
func UI(state multistep.StateBag) packersdk.Ui { return state.Get(StateUI).(packersdk.Ui) }

// Halt records err for the runner and the caller, shows it, and halts.
func Halt(state multistep.StateBag, err error) multistep.StepAction {
	state.Put(StateError, err)
	UI(state).Error(err.Error())
	return multistep.ActionHalt
}

// Failed reports whether the run was cancelled or halted, the only case in
// which the steps' cleanups undo their work.
func Failed(state multistep.StateBag) bool {
	_, cancelled := state.GetOk(multistep.StateCancelled)
	_, halted := state.GetOk(multistep.StateHalted)
	return cancelled || halted
}

// Logf sends the engines' command lines and progress to Packer's log
// (PACKER_LOG=1), not to the UI.
func Logf(format string, args ...any) { log.Printf("[INFO] linuxkit-vmware: "+format, args...) }

// StateString returns the string a step put under key, or "" when none did.
func StateString(state multistep.StateBag, key string) string {
	v, _ := state.GetOk(key)
	s, _ := v.(string)
	return s
}

// StateBool returns the bool a step put under key, or false when none did.
func StateBool(state multistep.StateBag, key string) bool {
	v, _ := state.GetOk(key)
	b, _ := v.(bool)
	return b
}
