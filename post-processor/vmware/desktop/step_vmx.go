package desktop

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	vmwdesktop "github.com/seed844b7c54/packer-plugin-linuxkit/internal/desktop"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// stepVMX writes <vm_name>.vmx in the VM folder and puts its path
// (stateVMX): generated from the options by the desktop engine, over
// vmx_template when one is given, with vmx_data and guestinfo applied last.
// Files inside the folder are named relative to it, so the folder can be
// moved; a serial_log_path elsewhere is written as an absolute path.
type stepVMX struct {
	vmx           vmwdesktop.Config // the options; the step adds the boot medium and the disks
	template      string            // vmx_template
	serialLog     bool              // serial_log
	serialLogPath string            // serial_log_path
	in            *common.Input     // for the serial console warning
}

func (s *stepVMX) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	ui, dir := common.UI(state), state.Get(stateDir).(string)
	vc := s.vmx
	if extra, ok := state.GetOk(stateExtraDisks); ok {
		vc.ExtraDisks = extra.([]string)
	}
	bootFile := state.Get(stateBootFile).(string)
	if state.Get(stateBoot).(bootMedium).media == "disk" {
		vc.BootDisk = bootFile
	} else {
		vc.ISO = bootFile
	}
	if s.template != "" {
		t, err := vmwdesktop.ReadFile(s.template)
		if err != nil {
			return common.Halt(state, fmt.Errorf("vmx_template: %w", err))
		}
		vc.Template = t
	}
	if s.serialLog {
		p, err := serialLogName(s.serialLogPath, dir)
		if err != nil {
			return common.Halt(state, err)
		}
		vc.SerialLogPath = p
		s.in.WarnSerialConsole(ui)
	}
	vmx, err := vmwdesktop.Generate(vc)
	if err != nil {
		return common.Halt(state, fmt.Errorf("generating the .vmx: %w", err))
	}
	path := filepath.Join(dir, vc.Name+".vmx")
	if err := vmx.WriteFile(path); err != nil {
		return common.Halt(state, fmt.Errorf("writing the .vmx: %w", err))
	}
	state.Put(stateVMX, path)
	ui.Say(fmt.Sprintf("Wrote %s", path))
	return multistep.ActionContinue
}

// Cleanup has nothing to do: the folder step removes the whole VM folder.
func (s *stepVMX) Cleanup(multistep.StateBag) {}

// serialLogName returns serial_log_path as the .vmx names it: the file name
// alone when it lies in the VM folder dir (VMware resolves relative names
// from there), else the absolute path, whose folder is created if missing.
func serialLogName(serialLogPath, dir string) (string, error) {
	abs, err := filepath.Abs(serialLogPath)
	if err != nil {
		return "", fmt.Errorf("serial_log_path: %w", err)
	}
	if filepath.Dir(abs) == dir {
		return filepath.Base(abs), nil
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return "", fmt.Errorf("serial_log_path: %w", err)
	}
	return abs, nil
}
