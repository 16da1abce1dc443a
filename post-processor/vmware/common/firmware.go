package common

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
)

// The boot_media values: what kind of medium a VM boots from.
const (
	// BootISO boots an ISO (iso-bios, iso-efi) from a CD-ROM.
	BootISO = "iso"
	// BootDisk boots a disk (vmdk, vmdk-efi, raw-bios, raw-efi).
	BootDisk = "disk"
)

// FirmwareEFISecure is the firmware value of UEFI with Secure Boot, which the
// post-processor refuses with ErrSecureBoot.
const FirmwareEFISecure = "efi-secure"

// ErrSecureBoot is the error of firmware = "efi-secure": the builder's EFI
// media cannot boot with Secure Boot on, so a VM that requires it would
// never start.
var ErrSecureBoot = errors.New(`firmware "efi-secure" (UEFI Secure Boot) is not supported: ` +
	`the EFI media boot a unified kernel image made from systemd's unsigned EFI stub, ` +
	`and there is no signed boot chain (a shim and a kernel signed with a key the firmware trusts) ` +
	`for Secure Boot to accept; use firmware = "efi"`)

// MediaFormats names the artifact formats that boot with one firmware, by
// kind of medium, so each target's medium choice reads the same for BIOS
// and EFI.
type MediaFormats struct {
	Firmware string // bios or efi
	ISO      string // iso-bios or iso-efi
	VMDK     string // vmdk or vmdk-efi
	Raw      string // raw-bios or raw-efi
}

// FormatsFor returns the formats of firmware (bios or efi).
func FormatsFor(firmware string) MediaFormats {
	if firmware == artifact.FirmwareEFI {
		return MediaFormats{Firmware: firmware, ISO: artifact.FormatISOEFI, VMDK: artifact.FormatVMDKEFI, Raw: artifact.FormatRawEFI}
	}
	return MediaFormats{Firmware: artifact.FirmwareBIOS, ISO: artifact.FormatISOBIOS, VMDK: artifact.FormatVMDK, Raw: artifact.FormatRawBIOS}
}

// bootKind returns the boot_media value a bootable format serves.
func bootKind(format string) string {
	if format == artifact.FormatISOBIOS || format == artifact.FormatISOEFI {
		return BootISO
	}
	return BootDisk
}

// PickFirmware chooses the firmware of the VM before anything is created,
// from the firmware option and the boot_media option (each "" when unset)
// and the artifact's media:
//
//   - a firmware option is kept when the artifact has a medium that boots
//     with it, and is an error naming what the artifact has otherwise;
//   - unset, it is the firmware of the artifact's media (of the boot_media
//     kind, when that is set), and bios when the artifact has both.
//
// Which file of that firmware boots is each target's choice (its
// bootSource); an artifact with no bootable medium gets bios here and the
// target's error about the missing medium.
func (in *Input) PickFirmware(option, bootMedia string) (string, error) {
	if option == artifact.FirmwareBIOS && in.Arch == artifact.ArchARM64 {
		return "", fmt.Errorf(`firmware "bios": the artifact is built for arm64, whose media boot only with EFI; remove firmware or set it to "efi"`)
	}
	if option != "" {
		for _, fw := range in.MediaFirmware {
			if fw == option {
				return option, nil
			}
		}
		f := FormatsFor(option)
		return "", fmt.Errorf("firmware %q: the artifact has no medium that boots with %s (it has %s); "+
			"add %q, %q or %q to the linuxkit builder's formats, or remove firmware to use what the artifact has",
			option, strings.ToUpper(option), in.MediaSummary(), f.ISO, f.Raw, f.VMDK)
	}
	has := map[string]bool{}
	for format, fw := range in.MediaFirmware {
		if bootMedia == "" || bootKind(format) == bootMedia {
			has[fw] = true
		}
	}
	if len(has) == 0 { // no medium of that kind: the target says so
		for _, fw := range in.MediaFirmware {
			has[fw] = true
		}
	}
	if !has[artifact.FirmwareBIOS] && has[artifact.FirmwareEFI] {
		return artifact.FirmwareEFI, nil
	}
	return artifact.FirmwareBIOS, nil
}

// MediaSummary lists the artifact's bootable formats with their firmware,
// sorted ("iso-bios (bios), vmdk-efi (efi)"), or says there are none, for
// messages.
func (in *Input) MediaSummary() string {
	var parts []string
	for format, fw := range in.MediaFirmware {
		parts = append(parts, fmt.Sprintf("%s (%s)", format, fw))
	}
	if len(parts) == 0 {
		return "no bootable medium; its formats: " + in.FormatNames()
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
