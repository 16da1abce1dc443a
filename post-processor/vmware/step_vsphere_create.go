package vmware

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vsphere"
)

// stepVSphereCreate creates the VM: from the uploaded ISO (a CD-ROM that
// boots first) with CreateVM, or from the streamOptimized vmdk with
// ImportVM. Every VM carries the run's build id in its extraConfig, so
// Cleanup, after a failure or a cancellation, removes exactly what this run
// made, over a new connection when the old one dropped.
type stepVSphereCreate struct{}

func (s *stepVSphereCreate) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r, ui := vsphereState(state)
	spec := vsphereSpec(r)
	if spec.SerialLog {
		warnSerialConsole(ui, r.in)
	}
	var err error
	if r.bootMedia == "iso" {
		ui.Say(fmt.Sprintf("Creating the VM %q with the ISO %s...", spec.Name, r.isoPath))
		r.vm, err = r.driver.CreateVM(ctx, r.target, spec)
	} else {
		ui.Say(fmt.Sprintf("Importing the VM %q from %s...", spec.Name, filepath.Base(r.streamVMDK)))
		r.vm, err = r.driver.ImportVM(ctx, r.target, spec, r.streamVMDK, uploadProgress(ui))
	}
	if err != nil {
		return vsphereHalt(state, fmt.Errorf("creating the VM %q: %w", spec.Name, err))
	}
	if r.info, err = r.driver.Describe(ctx, r.vm); err != nil {
		return vsphereHalt(state, fmt.Errorf("reading the new VM: %w", err))
	}
	ui.Say(fmt.Sprintf("Created %s (uuid %s)", r.info.InventoryPath, r.info.UUID))
	return multistep.ActionContinue
}

// Cleanup removes every VM and template tagged with the run's build id after
// a failure or a cancellation, even one whose creation returned an error.
func (s *stepVSphereCreate) Cleanup(state multistep.StateBag) {
	if !vsphereFailed(state) {
		return
	}
	r, ui := vsphereState(state)
	ui.Say(fmt.Sprintf("Removing the VMs of build %s...", r.buildID))
	r.cleanup(ui, nil)
}

// vsphereSpec turns the configuration into the engine's VMSpec.
func vsphereSpec(r *vsphereRun) vsphere.VMSpec {
	c := r.cfg
	spec := vsphere.VMSpec{
		Name:           c.VMName,
		BuildID:        r.buildID,
		CPUs:           c.CPUs,
		MemoryMB:       int64(c.Memory),
		Firmware:       r.in.Firmware,
		GuestID:        c.GuestOSType,
		DiskController: c.DiskControllerType,
		NetworkAdapter: c.NetworkAdapterType,
		ISO:            r.isoPath,
		ExtraDisks:     c.DiskSizes(),
		Notes:          c.Notes,
		ExtraConfig:    c.ConfigurationParameters,
		GuestInfo:      c.GuestInfo,
		SerialLog:      boolOr(c.SerialLog, true),
	}
	if c.HardwareVersion > 0 {
		spec.HardwareVersion = strconv.Itoa(c.HardwareVersion)
	}
	return spec
}
