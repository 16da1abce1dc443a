package linuxkit

import (
	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// State-bag keys shared by the steps, each with the type of its value.
const (
	stateUI        = "ui"         // packersdk.Ui
	stateError     = "error"      // error: why the build halted, what Run returns
	stateResolved  = "resolved"   // *resolve.Resolved
	stateBootFiles = "boot_files" // media.BootFiles
	stateEFIStub   = "efi_stub"   // media.EFIStub
	stateOutputs   = "outputs"    // *outputs
	statePlan      = "plan"       // *rootfs.Plan
	stateTree      = "tree"       // *rootfs.Tree
	// stateKernelInitrd holds the paths of the kernel and initrd files the
	// media formats read.
	stateKernelInitrd = "kernel_initrd" // kernelInitrd
	// stateSums holds the sha256 of each output the checksums step summed.
	stateSums = "sums" // map[string]string: path → hex sha256
	// stateReuseKey is the digest of the build's inputs (inputsKey).
	stateReuseKey = "reuse_key" // string
	// stateReused is the previous build's artifact when its outputs are kept.
	stateReused = "reused" // *Artifact
)

// outputs collects the files the steps wrote, in order: the artifact's file
// list and the checksums cover exactly these (the folder's ownership marker
// is not one of them).
type outputs struct {
	dir     string
	paths   []string          // final paths, in the order they were written
	formats map[string]string // format → main file
}

// add records path as an output of format; main makes it the format's main
// file, the one the artifact's formats state names.
func (o *outputs) add(format, path string, main bool) {
	o.paths = append(o.paths, path)
	if main {
		o.formats[format] = path
	}
}

// failed reports whether the build was cancelled or halted, when cleanups
// remove what the build made.
func failed(state multistep.StateBag) bool {
	_, cancelled := state.GetOk(multistep.StateCancelled)
	_, halted := state.GetOk(multistep.StateHalted)
	return cancelled || halted
}

// halt records err as the build's error, shows it and stops the build.
func halt(state multistep.StateBag, err error) multistep.StepAction {
	state.Put(stateError, err)
	state.Get(stateUI).(packersdk.Ui).Error(err.Error())
	return multistep.ActionHalt
}
