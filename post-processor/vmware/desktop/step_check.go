package desktop

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	vmwdesktop "github.com/seed844b7c54/packer-plugin-linuxkit/internal/desktop"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// stepCheck checks, before anything is written, that the boot medium of the
// chosen firmware exists in a form VMware runs and that vmrun is found (the
// firmware, the guest's architecture and the host were checked before the
// steps: planGuest). It puts the boot medium (stateBoot) and the vmrun to
// drive (stateVmrun). It has nothing to clean up.
type stepCheck struct {
	target    string              // fusion or workstation
	media     common.MediaFormats // the artifact formats of the VM's firmware
	bootMedia string              // the boot_media option, "" for the default
	vmrunPath string              // the vmrun_path option
	in        *common.Input
}

func (s *stepCheck) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	media, src, err := bootSource(s.bootMedia, s.in, s.media)
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

// bootSource resolves boot_media for a desktop VM among the artifact's
// media of one firmware (f): the option when set, else "disk" when the
// artifact has that vmdk, else "iso". It returns the artifact's file for it,
// or an error saying which format to add.
func bootSource(bootMedia string, in *common.Input, f common.MediaFormats) (media, path string, err error) {
	vmdk, hasVMDK := in.Format(f.VMDK)
	iso, hasISO := in.Format(f.ISO)
	if bootMedia == "" {
		switch {
		case hasVMDK:
			bootMedia = common.BootDisk
		case hasISO:
			bootMedia = common.BootISO
		default:
			return "", "", fmt.Errorf("the artifact has no bootable %s medium for a desktop VM (formats: %s): "+
				"add %q (with vmdk_subformat = \"monolithicSparse\") or %q to the linuxkit builder's formats",
				f.Firmware, in.FormatNames(), f.VMDK, f.ISO)
		}
	}
	switch bootMedia {
	case common.BootDisk:
		if !hasVMDK {
			return "", "", fmt.Errorf("boot_media \"disk\" with firmware %q needs a %s disk, and the artifact has none (formats: %s): "+
				"add %q to the linuxkit builder's formats, or set boot_media = \"iso\"", f.Firmware, f.VMDK, in.FormatNames(), f.VMDK)
		}
		return bootMedia, vmdk, nil
	case common.BootISO:
		if !hasISO {
			return "", "", fmt.Errorf("boot_media \"iso\" with firmware %q needs an %s image, and the artifact has none (formats: %s): "+
				"add %q to the linuxkit builder's formats, or set boot_media = \"disk\"", f.Firmware, f.ISO, in.FormatNames(), f.ISO)
		}
		return bootMedia, iso, nil
	}
	return "", "", fmt.Errorf("boot_media %q is not one of \"iso\", \"disk\"", bootMedia)
}
