// Package artifact is the contract between the linuxkit builder and everything
// that reads its artifact: the post-processor, the datasource and HCP Packer.
// It names the state keys the artifact publishes, the format names a user
// writes in `formats`, the firmware values the media boot with and the
// architectures they are built for.
//
// It owns only names and the pure facts about them (which firmware a format
// boots with): no Packer SDK, no I/O. Every shell imports it, so a renamed key
// or format breaks the build instead of a test.
package artifact

// BuilderID is the builder's artifact id, what BuilderId() returns.
const BuilderID = "seed844b7c54.linuxkit"

// State keys of the builder's artifact. They cross Packer's RPC boundary as
// msgpack, so their values are plain strings and string maps.
const (
	StateName       = "name"        // string: output_name
	StateSpecDigest = "spec_digest" // string: sha256:… of the canonical pinned spec
	StateFormats    = "formats"     // map[string]string: format → main file
	StateImages     = "images"      // map[string]string: component → pinned reference
	StateBootFiles  = "boot_files"  // map[string]string: boot file name → sha256
	StateCmdline    = "cmdline"     // string: the kernel command line the media boot with
	StateArch       = "arch"        // string: ArchAMD64 or ArchARM64, what every file is built for
	// StateFirmware is the firmware of the build's bootable media when they
	// all agree (FirmwareBIOS or FirmwareEFI), FirmwareBIOS when there is
	// none, and FirmwareMixed when BIOS and EFI media were both written;
	// StateMediaFirmware says which file needs which.
	StateFirmware = "firmware"
	// StateMediaFirmware maps each bootable format the builder wrote to the
	// firmware it boots with (map[string]string: format → FirmwareBIOS or
	// FirmwareEFI). kernel+initrd and tar are not in it.
	StateMediaFirmware = "media_firmware"
	// StateBootTests maps each format the builder's boot_test booted to the
	// time QEMU took to print the expected line (map[string]string: format →
	// Go duration, "5.2s"). Every one passed: a failed boot leaves no
	// artifact. Absent without boot_test.
	StateBootTests = "boot_tests"
	// StateSBOM is the path of the SPDX 2.3 JSON document
	// (<output_name>.spdx.json); absent with sbom = false.
	StateSBOM = "sbom"
	// StateSBOMDigest is "sha256:…" of the SBOM document's bytes.
	StateSBOMDigest = "sbom_digest"
	// StateVerified lists the components (spec.ImageUse keys, "init/0")
	// whose cosign signature the builder's verify block checked, sorted,
	// comma-separated; absent without verify.
	StateVerified = "verified"
)

// Format names, as written in the builder's `formats` list and published in
// StateFormats.
const (
	FormatKernelInitrd = "kernel+initrd"
	FormatTar          = "tar"
	FormatISOBIOS      = "iso-bios"
	FormatRawBIOS      = "raw-bios"
	FormatVMDK         = "vmdk"
	FormatISOEFI       = "iso-efi"
	FormatRawEFI       = "raw-efi"
	FormatVMDKEFI      = "vmdk-efi"
	// FormatOVA and FormatOVF are VM packages: an OVF descriptor, the
	// streamOptimized disk and a SHA256 manifest, in one tar (ova) or as
	// three files (ovf). They boot with the firmware of the disk inside,
	// which the builder chooses (ovf_firmware) and publishes in
	// StateMediaFirmware; see IsPackage.
	FormatOVA = "ova"
	FormatOVF = "ovf"
)

// Formats lists every format the builder writes, in the order it writes them.
var Formats = []string{FormatKernelInitrd, FormatTar, FormatISOBIOS, FormatRawBIOS, FormatVMDK, FormatISOEFI, FormatRawEFI, FormatVMDKEFI, FormatOVA, FormatOVF}

// Firmware values: what a boot medium needs from the machine that boots it.
const (
	FirmwareBIOS = "bios"
	FirmwareEFI  = "efi"
	// FirmwareMixed is StateFirmware's value when a build wrote both BIOS
	// and EFI media; readers then look at StateMediaFirmware.
	FirmwareMixed = "mixed"
)

// Architectures, as written in the builder's `arch` and published in
// StateArch.
const (
	ArchAMD64 = "amd64"
	ArchARM64 = "arm64"
)

// FormatFirmware returns the firmware a format's medium boots with, and
// false for the formats that are not bootable media (kernel+initrd, tar),
// the VM packages (ova, ovf: IsPackage) or unknown names.
func FormatFirmware(format string) (string, bool) {
	switch format {
	case FormatISOBIOS, FormatRawBIOS, FormatVMDK:
		return FirmwareBIOS, true
	case FormatISOEFI, FormatRawEFI, FormatVMDKEFI:
		return FirmwareEFI, true
	}
	return "", false
}

// IsPackage reports whether format is a VM package (ova, ovf): its
// firmware is not the format's own but the disk's inside it, published in
// StateMediaFirmware, so FormatFirmware does not know it.
func IsPackage(format string) bool {
	return format == FormatOVA || format == FormatOVF
}

// EFIFormat returns the EFI format that takes the place of a BIOS one
// (iso-bios → iso-efi, raw-bios → raw-efi, vmdk → vmdk-efi), for errors that
// name what to use instead; "" when format has no EFI counterpart.
func EFIFormat(format string) string {
	switch format {
	case FormatISOBIOS:
		return FormatISOEFI
	case FormatRawBIOS:
		return FormatRawEFI
	case FormatVMDK:
		return FormatVMDKEFI
	}
	return ""
}
