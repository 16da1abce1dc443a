package desktop

import (
	"errors"
	"fmt"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	vmwdesktop "github.com/seed844b7c54/packer-plugin-linuxkit/internal/desktop"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// deviceDefaults says which device options took the amd64 default in
// Prepare, because the user left them unset: for an arm64 artifact the run
// replaces those with arm64's defaults (arm64Devices). It lives here, not
// beside DesktopConfig, so the docs generator leaves it out.
type deviceDefaults struct {
	guestOS, controller, adapter bool
}

// guest is what a desktop VM is, once the artifact is known: the
// architecture of its image and the firmware it boots with.
type guest struct {
	arch     string // amd64 or arm64, the artifact's
	firmware string // bios or efi, chosen by common.Input.PickFirmware
}

// planGuest decides, before any step runs, what the VM is and whether host
// can run it for target: an amd64 image on an Apple silicon Mac is
// ErrFusionAppleSilicon, an arm64 image needs Fusion on Apple silicon, and
// the firmware must match one of the artifact's media. For an arm64 image
// it replaces the device defaults Prepare applied (amd64's) by arm64's, as
// Fusion writes an arm64 Linux VM, and checks what the user set against it.
func planGuest(host Host, target string, hw *common.HardwareConfig, c DesktopConfig, in *common.Input, ui packersdk.Ui) (guest, error) {
	if target == common.TargetFusion && host.AppleSilicon() && in.Arch == artifact.ArchAMD64 {
		return guest{}, ErrFusionAppleSilicon
	}
	firmware, err := in.PickFirmware(hw.Firmware, hw.BootMedia)
	if err != nil {
		return guest{}, err
	}
	if err := vmwdesktop.CheckHost(host.OS, host.Arch, in.Arch, firmware); err != nil {
		return guest{}, fmt.Errorf("target %q: %w", target, err)
	}
	if in.Arch == artifact.ArchARM64 {
		if err := arm64Devices(hw, c.defaulted, ui); err != nil {
			return guest{}, err
		}
	}
	return guest{arch: in.Arch, firmware: firmware}, nil
}

// arm64Devices gives an arm64 VM arm64's guest OS, disk controller and NIC
// where the user set none, and refuses the settings Fusion on Apple silicon
// cannot run.
func arm64Devices(hw *common.HardwareConfig, defaulted deviceDefaults, ui packersdk.Ui) error {
	if defaulted.guestOS {
		hw.GuestOSType = vmwdesktop.DefaultGuestOSArm64
	}
	if defaulted.controller {
		hw.DiskControllerType = vmwdesktop.DefaultDiskControllerArm64
	}
	if defaulted.adapter {
		hw.NetworkAdapterType = vmwdesktop.DefaultNetworkAdapterArm64
	} else if hw.NetworkAdapterType == "vmxnet3" {
		ui.Error(`Warning: network_adapter_type "vmxnet3" on an arm64 VM: linuxkit's arm64 kernels have no vmxnet3 driver ` +
			`(e1000e, the default for arm64, is built); the VM has no network unless its kernel has one`)
	}
	errs := hw.CheckDeviceVersions()
	if err := vmwdesktop.CheckArm64Controller(artifact.ArchARM64, hw.DiskControllerType); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("the artifact is arm64: %w", err)
	}
	return nil
}
