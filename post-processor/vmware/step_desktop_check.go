package vmware

import (
	"context"
	"fmt"
	"os"
	"runtime"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	vmwdesktop "github.com/seed844b7c54/packer-plugin-linuxkit/internal/desktop"
)

// desktopGuestArch is the architecture of the media the linuxkit builder
// makes bootable (its arm64 builds have kernel+initrd and tar only, which no
// desktop target boots).
const desktopGuestArch = "amd64"

// stepDesktopCheck checks, before anything is written, that the VM can be
// made and run here: the firmware matches the artifact's, the boot medium
// exists in a form VMware runs, the host can run the guest, and vmrun is
// found. It has nothing to clean up.
type stepDesktopCheck struct{}

func (s *stepDesktopCheck) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	r, _ := desktopState(state)
	c := r.cfg

	r.firmware = r.in.Firmware
	if c.Firmware != "" && c.Firmware != r.in.Firmware {
		return desktopHalt(state, fmt.Errorf("firmware %q does not match the artifact's firmware %q: "+
			"the image boots only with the firmware it was built for; remove firmware or set it to %q",
			c.Firmware, r.in.Firmware, r.in.Firmware))
	}
	if err := vmwdesktop.CheckHost(runtime.GOOS, desktopHostArch(), desktopGuestArch, r.firmware); err != nil {
		return desktopHalt(state, fmt.Errorf("target %q: %w", c.Target, err))
	}

	media, src, err := desktopBootSource(c.BootMedia, r.in)
	if err != nil {
		return desktopHalt(state, err)
	}
	if _, err := os.Stat(src); err != nil {
		return desktopHalt(state, fmt.Errorf("boot_media %q: the artifact's file: %w", media, err))
	}
	if media == "disk" {
		if err := checkDesktopVMDK(src); err != nil {
			return desktopHalt(state, err)
		}
	}
	r.bootMedia, r.bootSrc = media, src

	path, err := vmwdesktop.FindVmrun(c.Target, c.VMRunPath)
	if err != nil {
		return desktopHalt(state, fmt.Errorf("target %q: %w", c.Target, err))
	}
	vmrun, err := vmwdesktop.NewVmrun(c.Target, path)
	if err != nil {
		return desktopHalt(state, err)
	}
	vmrun.Logf = vmrunLogf
	r.vmrun = vmrun
	return multistep.ActionContinue
}

func (s *stepDesktopCheck) Cleanup(multistep.StateBag) {}

// desktopHostArch is the host's CPU as CheckHost needs it: an amd64 plugin
// running under Rosetta 2 on an Apple silicon Mac still reports arm64.
func desktopHostArch() string {
	if onAppleSilicon() {
		return "arm64"
	}
	return runtime.GOARCH
}

// desktopBootSource resolves boot_media for a desktop VM: the option when
// set, else "disk" when the artifact has a vmdk, else "iso". It returns the
// artifact's file for it, or an error saying which format to add.
func desktopBootSource(bootMedia string, in *artifactInput) (media, path string, err error) {
	vmdk, hasVMDK := in.Format(formatVMDK)
	iso, hasISO := in.Format(formatISOBIOS)
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
