package desktop

import (
	"context"
	"fmt"
	"os"
	"runtime"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	vmwdesktop "github.com/seed844b7c54/packer-plugin-linuxkit/internal/desktop"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// stepCheck checks, before anything is written, that the VM can be made and
// run here: the firmware matches the artifact's, the boot medium exists in a
// form VMware runs, the host can run the guest, and vmrun is found. It puts
// the boot medium (stateBoot) and the vmrun to drive (stateVmrun). It has
// nothing to clean up.
type stepCheck struct {
	target    string // fusion or workstation
	firmware  string // the firmware option, "" for the artifact's
	bootMedia string // the boot_media option, "" for the default
	vmrunPath string // the vmrun_path option
	in        *common.Input
}

func (s *stepCheck) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	if err := common.CheckFirmware(s.firmware, s.in.Firmware); err != nil {
		return common.Halt(state, err)
	}
	if err := vmwdesktop.CheckHost(runtime.GOOS, hostArch(), guestArch, s.in.Firmware); err != nil {
		return common.Halt(state, fmt.Errorf("target %q: %w", s.target, err))
	}

	media, src, err := bootSource(s.bootMedia, s.in)
	if err != nil {
		return common.Halt(state, err)
	}
	if _, err := os.Stat(src); err != nil {
		return common.Halt(state, fmt.Errorf("boot_media %q: the artifact's file: %w", media, err))
	}
	if media == "disk" {
		if err := checkVMDK(src); err != nil {
			return common.Halt(state, err)
		}
	}
	state.Put(stateBoot, bootMedium{media: media, src: src})

	path, err := vmwdesktop.FindVmrun(s.target, s.vmrunPath)
	if err != nil {
		return common.Halt(state, fmt.Errorf("target %q: %w", s.target, err))
	}
	vmrun, err := vmwdesktop.NewVmrun(s.target, path)
	if err != nil {
		return common.Halt(state, err)
	}
	vmrun.Logf = common.Logf
	state.Put(stateVmrun, vmrun)
	return multistep.ActionContinue
}

func (s *stepCheck) Cleanup(multistep.StateBag) {}

// hostArch is the host's CPU as CheckHost needs it: an amd64 plugin running
// under Rosetta 2 on an Apple silicon Mac still reports arm64.
func hostArch() string {
	if OnAppleSilicon() {
		return "arm64"
	}
	return runtime.GOARCH
}

// bootSource resolves boot_media for a desktop VM: the option when set, else
// "disk" when the artifact has a vmdk, else "iso". It returns the artifact's
// file for it, or an error saying which format to add.
func bootSource(bootMedia string, in *common.Input) (media, path string, err error) {
	vmdk, hasVMDK := in.Format(artifact.FormatVMDK)
	iso, hasISO := in.Format(artifact.FormatISOBIOS)
	if bootMedia == "" {
		switch {
		case hasVMDK:
			bootMedia = "disk"
		case hasISO:
			bootMedia = "iso"
		default:
			return "", "", fmt.Errorf("the artifact has no bootable medium for a desktop VM (formats: %s): "+
				"add \"vmdk\" (with vmdk_subformat = \"monolithicSparse\") or \"iso-bios\" to the linuxkit builder's formats",
				in.FormatNames())
		}
	}
	switch bootMedia {
	case "disk":
		if !hasVMDK {
			return "", "", fmt.Errorf("boot_media \"disk\" needs a vmdk, and the artifact has none (formats: %s): "+
				"add \"vmdk\" to the linuxkit builder's formats, or set boot_media = \"iso\"", in.FormatNames())
		}
		return bootMedia, vmdk, nil
	case "iso":
		if !hasISO {
			return "", "", fmt.Errorf("boot_media \"iso\" needs an ISO, and the artifact has none (formats: %s): "+
				"add \"iso-bios\" to the linuxkit builder's formats, or set boot_media = \"disk\"", in.FormatNames())
		}
		return bootMedia, iso, nil
	}
	return "", "", fmt.Errorf("boot_media %q is not one of \"iso\", \"disk\"", bootMedia)
}
