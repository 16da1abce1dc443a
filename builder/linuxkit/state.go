package linuxkit

import (
	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// State-bag keys shared by the steps.
const (
	stateUI        = "ui"
	stateResolved  = "resolved"   // *resolve.Resolved
	stateBootFiles = "boot_files" // media.BootFiles
	stateOutputs   = "outputs"    // *outputs
)

// outputs collects the files the steps wrote, in order.
type outputs struct {
	dir     string
	paths   []string          // final paths, in the order they were written
	formats map[string]string // format → main file
}

func (o *outputs) add(format, path string, main bool) {
	o.paths = append(o.paths, path)
	if main {
		o.formats[format] = path
	}
}

func failed(state multistep.StateBag) bool {
	_, cancelled := state.GetOk(multistep.StateCancelled)
	_, halted := state.GetOk(multistep.StateHalted)
	return cancelled || halted
}

func halt(state multistep.StateBag, err error) multistep.StepAction {
	state.Put("error", err)
	state.Get(stateUI).(packersdk.Ui).Error(err.Error())
	return multistep.ActionHalt
}
