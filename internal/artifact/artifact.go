// Package artifact is the contract between the linuxkit builder and everything
// that reads its artifact: the post-processor, the datasource and HCP Packer.
// It names the state keys the artifact publishes, the format names a user
// writes in `formats`, and the firmware values the media boot with.
//
// It owns only names: no Packer SDK, no I/O. Every shell imports it, so a
// renamed key or format breaks the build instead of a test.
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
	StateFirmware   = "firmware"    // string: FirmwareBIOS or FirmwareEFI
	StateBootFiles  = "boot_files"  // map[string]string: boot file name → sha256
	StateCmdline    = "cmdline"     // string: the kernel command line the media boot with
)

// Format names, as written in the builder's `formats` list and published in
// StateFormats.
const (
	FormatKernelInitrd = "kernel+initrd"
	FormatTar          = "tar"
	FormatISOBIOS      = "iso-bios"
	FormatRawBIOS      = "raw-bios"
	FormatVMDK         = "vmdk"
)

// Formats lists every format the builder writes, in the order it writes them.
var Formats = []string{FormatKernelInitrd, FormatTar, FormatISOBIOS, FormatRawBIOS, FormatVMDK}

// Firmware values: what a boot medium needs from the machine that boots it.
const (
	FirmwareBIOS = "bios"
	FirmwareEFI  = "efi"
)
