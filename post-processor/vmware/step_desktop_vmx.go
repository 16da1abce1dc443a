package vmware

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	vmwdesktop "github.com/seed844b7c54/packer-plugin-linuxkit/internal/desktop"
)

// stepDesktopVMX writes <vm_name>.vmx in the VM folder: generated from the
// options by the desktop engine, over vmx_template when one is given, with
// vmx_data and guestinfo applied last. Files inside the folder are named
// relative to it, so the folder can be moved; a serial_log_path elsewhere is
// written as an absolute path.
type stepDesktopVMX struct{}

func (s *stepDesktopVMX) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	r, ui := desktopState(state)
	c := r.cfg
	vc := vmwdesktop.Config{
		Name:            c.VMName,
		GuestOS:         c.GuestOSType,
		Arch:            desktopGuestArch,
		HardwareVersion: c.HardwareVersion,
		Firmware:        r.firmware,
		CPUs:            c.CPUs,
		MemoryMB:        c.Memory,
		NetworkType:     c.NetworkType,
		NetworkAdapter:  c.NetworkAdapterType,
		DiskController:  c.DiskControllerType,
		ExtraDisks:      r.extraDisks,
		GuestInfo:       c.GuestInfo,
		VMXData:         c.VMXData,
	}
	if r.bootMedia == "disk" {
		vc.BootDisk = r.bootFile
	} else {
		vc.ISO = r.bootFile
	}
	if c.VMXTemplate != "" {
		t, err := vmwdesktop.ReadFile(c.VMXTemplate)
		if err != nil {
			return desktopHalt(state, fmt.Errorf("vmx_template: %w", err))
		}
		vc.Template = t
	}
	if boolOr(c.SerialLog, true) {
		p, err := s.serialLog(r)
		if err != nil {
			return desktopHalt(state, err)
		}
		vc.SerialLogPath = p
		warnSerialConsole(ui, r.in)
	}
	vmx, err := vmwdesktop.Generate(vc)
	if err != nil {
		return desktopHalt(state, fmt.Errorf("generating the .vmx: %w", err))
	}
	path := filepath.Join(r.dir, c.VMName+".vmx")
	if err := vmx.WriteFile(path); err != nil {
		return desktopHalt(state, fmt.Errorf("writing the .vmx: %w", err))
	}
	r.vmxPath = path
	ui.Say(fmt.Sprintf("Wrote %s", path))
	return multistep.ActionContinue
}

// Cleanup has nothing to do: the folder step removes the whole VM folder.
func (s *stepDesktopVMX) Cleanup(multistep.StateBag) {}

// serialLog returns serial_log_path as the .vmx names it: the file name
// alone when it lies in the VM folder (VMware resolves relative names from
// there), else the absolute path, whose folder is created if missing.
func (s *stepDesktopVMX) serialLog(r *desktopRun) (string, error) {
	abs, err := filepath.Abs(r.cfg.SerialLogPath)
	if err != nil {
		return "", fmt.Errorf("serial_log_path: %w", err)
	}
	if filepath.Dir(abs) == r.dir {
		return filepath.Base(abs), nil
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return "", fmt.Errorf("serial_log_path: %w", err)
	}
	return abs, nil
}

// warnSerialConsole warns when the image's kernel command line sends no
// console to ttyS0, which leaves the serial log empty. Only an artifact with
// the kernel+initrd output keeps the command line; otherwise there is
// nothing to check.
func warnSerialConsole(ui packersdk.Ui, in *artifactInput) {
	cmdline, ok, err := in.Cmdline()
	switch {
	case err != nil:
		ui.Error(fmt.Sprintf("Warning: cannot check the kernel command line for console=ttyS0: %v", err))
	case ok && !hasSerialConsole(cmdline):
		ui.Error(fmt.Sprintf("Warning: serial_log is on, but the kernel command line %q has no console=ttyS0, "+
			"so the serial log will stay empty; add console=ttyS0 to the spec's kernel.cmdline, or set serial_log = false", cmdline))
	}
}
