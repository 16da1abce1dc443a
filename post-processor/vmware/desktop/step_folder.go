package desktop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	vmwdesktop "github.com/seed844b7c54/packer-plugin-linuxkit/internal/desktop"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// stepFolder makes the VM's folder (output_directory) and puts its absolute
// path (stateDir). An existing folder that is not empty is an error, unless
// Packer's -force is given: then the folder is replaced, after a hard stop of
// any VM running from it. A folder safeio.CheckReplaceable refuses (the root,
// the home or working directory and their parents, a folder holding the
// builder's files or anything the plugin did not write) is never replaced. Cleanup removes the folder after a
// failure or a cancellation.
type stepFolder struct {
	dir          string   // output_directory
	force        bool     // Packer's -force
	vmName       string   // for messages
	builderFiles []string // the artifact's files, never removed

	created     string // the folder this step made, removed on failure
	preexisting bool   // the folder existed (empty) before: emptied, not removed
}

func (s *stepFolder) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui := common.UI(state)
	dir, err := filepath.Abs(s.dir)
	if err != nil {
		return common.Halt(state, fmt.Errorf("output_directory: %w", err))
	}
	empty, err := dirEmpty(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return common.Halt(state, fmt.Errorf("output_directory: %w", err))
	case empty:
		s.preexisting = true
	case !s.force:
		return common.Halt(state, fmt.Errorf("output_directory %s already exists and is not empty; "+
			"remove it, choose another output_directory, or run packer build -force to replace it", dir))
	default:
		if err := checkReplaceable(dir, s.builderFiles); err != nil {
			return common.Halt(state, err)
		}
		ui.Say(fmt.Sprintf("Replacing %s (-force)...", dir))
		if err := stopVMsIn(ctx, state.Get(stateVmrun).(*vmwdesktop.Vmrun), dir); err != nil {
			return common.Halt(state, err)
		}
		if err := os.RemoveAll(dir); err != nil {
			return common.Halt(state, fmt.Errorf("removing the old output_directory: %w", err))
		}
	}
	if err := safeio.MkdirOwned(dir); err != nil {
		return common.Halt(state, fmt.Errorf("output_directory: %w", err))
	}
	s.created = dir
	state.Put(stateDir, dir)
	ui.Say(fmt.Sprintf("Creating the VM %q in %s", s.vmName, dir))
	return multistep.ActionContinue
}

// Cleanup removes the VM folder when the run failed or was cancelled. The
// start step's cleanup, which runs first, has stopped the VM by then.
func (s *stepFolder) Cleanup(state multistep.StateBag) {
	if s.created == "" || !common.Failed(state) {
		return
	}
	ui := common.UI(state)
	if err := os.RemoveAll(s.created); err != nil {
		ui.Error(fmt.Sprintf("Removing the VM folder %s: %v", s.created, err))
		return
	}
	if s.preexisting {
		// The user made this (empty) folder: empty it again, keep it.
		_ = os.Mkdir(s.created, 0o755)
	}
	ui.Say(fmt.Sprintf("Removed the VM folder %s", s.created))
}

// dirEmpty reports whether dir is an empty folder; a file is an error.
func dirEmpty(dir string) (bool, error) {
	f, err := os.Open(dir)
	if err != nil {
		return false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	if !fi.IsDir() {
		return false, fmt.Errorf("%s is a file, not a folder", dir)
	}
	_, err = f.Readdirnames(1)
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	return false, err
}

// checkReplaceable refuses to remove a folder that -force must not take
// (safeio.CheckReplaceable, the guard every component shares): the root, the
// working directory, the home directory or a folder above them, a folder
// holding one of the builder's files, or one holding anything the plugin did
// not write (it marks every VM folder it makes).
func checkReplaceable(dir string, builderFiles []string) error {
	keep := make([]safeio.Keep, 0, len(builderFiles))
	for _, f := range builderFiles {
		keep = append(keep, safeio.Keep{Path: f, What: "the builder's file"})
	}
	return safeio.CheckReplaceable(dir, keep...)
}

// stopVMsIn hard-stops every running VM whose .vmx lies in dir, so -force
// never deletes the disks of a running VM. vmrun list failing (no VMware
// service running) means nothing runs.
func stopVMsIn(ctx context.Context, vmrun *vmwdesktop.Vmrun, dir string) error {
	running, err := vmrun.List(ctx)
	if err != nil {
		common.Logf("vmrun list failed, assuming no VM runs from %s: %v", dir, err)
		return nil
	}
	for _, vmx := range running {
		if !safeio.Within(vmx, dir) {
			continue
		}
		if err := vmrun.Stop(ctx, vmx, true); err != nil {
			return fmt.Errorf("-force: stopping the VM %s that runs from output_directory: %w", vmx, err)
		}
	}
	return nil
}
