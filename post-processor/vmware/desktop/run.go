package desktop

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	vmwdesktop "github.com/seed844b7c54/packer-plugin-linuxkit/internal/desktop"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// State-bag keys of a desktop run: what each step made, for the steps after
// it and for the artifact.
const (
	stateVmrun      = "vmrun"       // *vmwdesktop.Vmrun, set by stepCheck
	stateBoot       = "boot"        // bootMedium, set by stepCheck
	stateDir        = "vm_dir"      // string, the VM folder, absolute, set by stepFolder
	stateBootFile   = "boot_file"   // string, a file name in the VM folder, set by stepBootMedia
	stateExtraDisks = "extra_disks" // []string, file names in the VM folder, set by stepDisks
	stateVMX        = "vmx_path"    // string, <dir>/<vm_name>.vmx, set by stepVMX
	stateStarted    = "started"     // bool, vmrun start was attempted, set by stepStart
	stateStopped    = "stopped"     // bool, keep_running = false stopped the VM, set by stepStop
	stateIP         = "ip"          // string, the guest's IP, set by stepWaitIP
)

// Timeouts of the desktop target that have no option.
const (
	// softStopTimeout is how long keep_running = false gives the guest to
	// shut down after `vmrun stop soft` before a hard stop.
	softStopTimeout = 2 * time.Minute
	// cleanupTimeout bounds the vmrun calls of a cleanup, which run after the
	// build's context may have been cancelled.
	cleanupTimeout = 2 * time.Minute
)

// bootMedium is the resolved boot_media and the artifact's file for it.
type bootMedium struct {
	media string // "disk" or "iso"
	src   string // the artifact's vmdk or ISO
}

// Run makes a desktop VM (target fusion or workstation) from source: the
// steps below, run through commonsteps.NewRunner so -debug and -on-error
// behave as in every Packer plugin. On failure or cancellation the steps'
// cleanups stop the VM if it was started and remove the VM folder.
func Run(ctx context.Context, ui packersdk.Ui, source packersdk.Artifact, job common.Job, c DesktopConfig) (*Artifact, error) {
	in, hw, err := job.Begin(source)
	if err != nil {
		return nil, err
	}
	c.ResolveDerived(&hw)
	g, err := planGuest(DetectHost(), job.Target, &hw, c, in, ui)
	if err != nil {
		return nil, err
	}
	state := common.NewState(ui)
	if err := common.RunSteps(ctx, job.Packer, ui, state, steps(job, &hw, &c, in, g)); err != nil {
		return nil, err
	}
	if common.BoolOr(c.KeepRunning, true) {
		ui.Say(fmt.Sprintf("The VM %s keeps running (keep_running = true)", hw.VMName))
	}
	return newArtifact(state, job.Target, hw.VMName, in), nil
}

// steps is the step list of one run; the optional steps are in it only when
// their option asks for them.
func steps(job common.Job, hw *common.HardwareConfig, c *DesktopConfig, in *common.Input, g guest) []multistep.Step {
	steps := []multistep.Step{
		&stepCheck{target: job.Target, media: common.FormatsFor(g.firmware), bootMedia: hw.BootMedia, vmrunPath: c.VMRunPath, in: in},
		&stepFolder{dir: hw.OutputDirectory, force: job.Packer.PackerForce, vmName: hw.VMName, builderFiles: in.Files},
		&stepBootMedia{},
	}
	if sizes := hw.DiskSizes(); len(sizes) > 0 {
		steps = append(steps, &stepDisks{vmName: hw.VMName, disks: hw.Disks, sizes: sizes})
	}
	steps = append(steps,
		&stepVMX{
			vmx: vmwdesktop.Config{
				Name:            hw.VMName,
				GuestOS:         hw.GuestOSType,
				Arch:            g.arch,
				HardwareVersion: hw.HardwareVersion,
				Firmware:        g.firmware,
				CPUs:            hw.CPUs,
				MemoryMB:        hw.Memory,
				NetworkType:     c.NetworkType,
				NetworkAdapter:  hw.NetworkAdapterType,
				DiskController:  hw.DiskControllerType,
				NICs:            vmxNICs(hw),
				GuestInfo:       hw.GuestInfo,
				VMXData:         c.VMXData,
			},
			template:      c.VMXTemplate,
			serialLog:     common.BoolOr(hw.SerialLog, true),
			serialLogPath: c.SerialLogPath,
			in:            in,
		},
		&stepStart{vmName: hw.VMName, gui: !common.BoolOr(c.Headless, true)},
	)
	if hw.WaitForIP {
		steps = append(steps, &stepWaitIP{timeout: hw.IPWaitTimeout})
	}
	if !common.BoolOr(c.KeepRunning, true) {
		steps = append(steps, &stepStop{vmName: hw.VMName})
	}
	return steps
}
