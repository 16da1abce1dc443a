//go:generate go tool packer-sdc mapstructure-to-hcl2 -type Config
//go:generate go tool packer-sdc struct-markdown

package linuxkit

import (
	"fmt"
	"path/filepath"
	"slices"

	"github.com/hashicorp/packer-plugin-sdk/common"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/hashicorp/packer-plugin-sdk/template/config"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"

	"github.com/seed844b7c54/packer-plugin-linuxkit/common/specconfig"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/size"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vmdk"
)

// Output formats the builder writes; the names are linuxkit's, and
// internal/artifact holds them for every component.
const (
	FormatKernelInitrd = artifact.FormatKernelInitrd
	FormatTar          = artifact.FormatTar
	FormatISOBIOS      = artifact.FormatISOBIOS
	FormatRawBIOS      = artifact.FormatRawBIOS
	FormatVMDK         = artifact.FormatVMDK
	FormatISOEFI       = artifact.FormatISOEFI
	FormatRawEFI       = artifact.FormatRawEFI
	FormatVMDKEFI      = artifact.FormatVMDKEFI
)

// allFormats lists every format in the order outputs are written.
var allFormats = artifact.Formats

// VMDK subformats.
const (
	SubformatMonolithicSparse = vmdk.MonolithicSparse
	SubformatStreamOptimized  = vmdk.StreamOptimized
)

// The values of initrd_compression.
const (
	InitrdSize  = "size"  // internal/deflate at the default level: the size of pigz -6
	InitrdSpeed = "speed" // klauspost/compress at level 7: faster, about 2% larger
)

// Config is the configuration of the `linuxkit` builder.
type Config struct {
	common.PackerConfig   `mapstructure:",squash"`
	specconfig.SpecConfig `mapstructure:",squash"`
	GateConfig            `mapstructure:",squash"`
	OVFConfig             `mapstructure:",squash"`

	// Base name of every output file (`<output_name>.iso`,
	// `<output_name>-kernel`, ...). Defaults to the build's name (`name` is
	// reserved by Packer's build blocks).
	OutputName string `mapstructure:"output_name"`
	// Any of `kernel+initrd`, `tar`, `iso-bios`, `raw-bios`, `vmdk` (BIOS,
	// amd64 only), `iso-efi`, `raw-efi`, `vmdk-efi` (UEFI, amd64 and arm64),
	// `ova`, `ovf` (VM packages of the disk of `ovf_firmware`).
	// Defaults to `["iso-bios"]`, or `["iso-efi"]` with `arch = "arm64"`.
	Formats []string `mapstructure:"formats"`
	// `monolithicSparse` (VMware Fusion and Workstation run it) or
	// `streamOptimized` (vSphere import, OVF), for `vmdk` and `vmdk-efi`.
	// Defaults to `monolithicSparse`.
	VMDKSubformat string `mapstructure:"vmdk_subformat"`
	// Size of the raw-bios, vmdk, raw-efi and vmdk-efi disks (and of the
	// disk inside ova and ovf), with a binary
	// suffix: `K`, `M`, `G`, `T` (KiB … TiB), e.g. `"512M"`. A bare number is
	// an error. Defaults to the boot image's size rounded up to the next MiB,
	// plus 1 MiB (BIOS), or the EFI system partition plus 1 MiB before and
	// after it (EFI).
	DiskSize string `mapstructure:"disk_size"`
	// Where the outputs go. Defaults to `output-<build name>`. An existing
	// directory is an error; Packer's `-force` replaces it when it is empty or
	// was made by this builder (it holds a `.packer-linuxkit-output` marker,
	// which is not an output), and never when it is or holds the working
	// directory, the home directory, a spec file or the image cache, symlinks
	// resolved. With `reuse_outputs`, `-force` keeps it as it is when it holds
	// the unchanged outputs of a build with the same inputs.
	OutputDir string `mapstructure:"output_directory"`
	// A folder holding syslinux's `isolinux.bin`, `ldlinux.c32` and
	// `isohdpfx.bin` (BIOS formats) and systemd's EFI stub
	// `linuxx64.efi.stub` or `linuxaa64.efi.stub` (EFI formats). When set,
	// only this folder is used. Otherwise the well-known host folders are
	// searched (syslinux's; `/usr/lib/systemd/boot/efi`, Debian's
	// `systemd-boot-efi`), then `bootloader_image`.
	BootloaderDir string `mapstructure:"bootloader_dir"`
	// An OCI image carrying syslinux under `/usr/share/syslinux` and/or
	// systemd's EFI stubs under `/usr/lib/systemd/boot/efi`, used when neither
	// `bootloader_dir` nor the host has the boot files. The default image
	// holds syslinux only: for the EFI stub an image is tried only when this
	// is set.
	BootloaderImage string `mapstructure:"bootloader_image"`
	// With `packer build -force`, keep the outputs already in
	// `output_directory` when the build that wrote them had the same inputs
	// (the same pinned spec, so the same image digests and source files; the
	// same options; the same boot files; the same plugin binary) and every
	// output still has the sha256 it was written with. Such a rebuild costs
	// little more than packer's own start, and its artifact is the recorded
	// one. A build with `boot_test` always builds (the gate runs on every
	// build); `false` always builds again. Defaults to `true`.
	ReuseOutputs *bool `mapstructure:"reuse_outputs"`
	// How the initrd is gzipped: `size` (the default) finds the 3-byte
	// matches zlib finds, so the initrd is no larger than `pigz -6` makes it;
	// `speed` uses klauspost/compress's level 7, which takes about 0.75 times
	// the CPU for about 2% more bytes. Either way the bytes never depend on
	// the machine.
	InitrdCompression string `mapstructure:"initrd_compression"`

	diskSize int64
	ctx      interpolate.Context
}

// Prepare decodes the raw configuration, applies defaults and validates it.
// Each concern (spec, output, formats, initrd, disks) has its own prepare function;
// every error is collected, so `packer validate` reports them all at once.
func (c *Config) Prepare(raws ...interface{}) ([]string, error) {
	err := config.Decode(c, &config.DecodeOpts{
		PluginType:         artifact.BuilderID,
		Interpolate:        true,
		InterpolateContext: &c.ctx,
	}, raws...)
	if err != nil {
		return nil, err
	}

	var errs *packersdk.MultiError
	var warnings []string
	for _, e := range c.SpecConfig.Validate() {
		errs = packersdk.MultiErrorAppend(errs, e)
	}
	errs = packersdk.MultiErrorAppend(errs, c.prepareOutput()...)
	errs = packersdk.MultiErrorAppend(errs, c.prepareFormats()...)
	errs = packersdk.MultiErrorAppend(errs, c.prepareInitrd()...)
	w, e := c.prepareDisks()
	warnings = append(warnings, w...)
	errs = packersdk.MultiErrorAppend(errs, e...)
	w, e = c.prepareOVF()
	warnings = append(warnings, w...)
	errs = packersdk.MultiErrorAppend(errs, e...)
	w, e = c.prepareGate()
	warnings = append(warnings, w...)
	errs = packersdk.MultiErrorAppend(errs, e...)
	if errs != nil && len(errs.Errors) > 0 {
		return warnings, errs
	}
	return warnings, nil
}

// prepareOutput defaults output_name and output_directory from the build's
// name and checks that output_name is a plain file name.
func (c *Config) prepareOutput() []error {
	if c.OutputName == "" {
		c.OutputName = c.PackerBuildName
	}
	if c.OutputName == "" {
		c.OutputName = "linuxkit"
	}
	var errs []error
	if filepath.Base(c.OutputName) != c.OutputName || c.OutputName == "." || c.OutputName == ".." {
		errs = append(errs, fmt.Errorf("output_name: %q must be a file name, not a path", c.OutputName))
	}
	if c.OutputDir == "" {
		c.OutputDir = "output-" + c.PackerBuildName
		if c.PackerBuildName == "" {
			c.OutputDir = "output-linuxkit"
		}
	}
	return errs
}

// prepareFormats defaults formats to iso-bios (iso-efi for arm64) and
// refuses unknown or repeated formats, and formats the target architecture
// cannot boot: arm64 has no BIOS, so a BIOS format there names its EFI
// counterpart.
func (c *Config) prepareFormats() []error {
	if len(c.Formats) == 0 {
		c.Formats = []string{FormatISOBIOS}
		if c.Arch == artifact.ArchARM64 {
			c.Formats = []string{FormatISOEFI}
		}
	}
	var errs []error
	seen := map[string]bool{}
	for i, f := range c.Formats {
		if !contains(allFormats, f) {
			errs = append(errs, fmt.Errorf("formats[%d]: unknown format %q; use one of %v", i, f, allFormats))
		}
		if seen[f] {
			errs = append(errs, fmt.Errorf("formats[%d]: %q is listed twice", i, f))
		}
		seen[f] = true
		if fw, _ := artifact.FormatFirmware(f); c.Arch == artifact.ArchARM64 && fw == artifact.FirmwareBIOS {
			errs = append(errs, fmt.Errorf("formats[%d]: %q boots with BIOS, which arm64 machines do not have; use %q for arch arm64",
				i, f, artifact.EFIFormat(f)))
		}
	}
	return errs
}

// hasFirmware reports whether the build writes a bootable medium or a VM
// package of firmware fw.
func (c *Config) hasFirmware(fw string) bool {
	for _, f := range c.Formats {
		if got, ok := c.formatFirmware(f); ok && got == fw {
			return true
		}
	}
	return false
}

// prepareInitrd defaults and checks initrd_compression.
func (c *Config) prepareInitrd() []error {
	switch c.InitrdCompression {
	case "":
		c.InitrdCompression = InitrdSize
	case InitrdSize, InitrdSpeed:
	default:
		return []error{fmt.Errorf("initrd_compression: unknown value %q; use %q or %q", c.InitrdCompression, InitrdSize, InitrdSpeed)}
	}
	return nil
}

// prepareDisks defaults and checks vmdk_subformat and disk_size, warning when
// one is set but no format uses it.
func (c *Config) prepareDisks() (warnings []string, errs []error) {
	switch c.VMDKSubformat {
	case "":
		c.VMDKSubformat = SubformatMonolithicSparse
	case SubformatMonolithicSparse, SubformatStreamOptimized:
	default:
		errs = append(errs, fmt.Errorf("vmdk_subformat: %q is not one of %q, %q", c.VMDKSubformat, SubformatMonolithicSparse, SubformatStreamOptimized))
	}
	if c.VMDKSubformat != SubformatMonolithicSparse && !contains(c.Formats, FormatVMDK) && !contains(c.Formats, FormatVMDKEFI) {
		warnings = append(warnings, "vmdk_subformat is set but formats includes neither \"vmdk\" nor \"vmdk-efi\"")
	}
	if c.DiskSize != "" {
		n, err := size.Parse(c.DiskSize)
		if err != nil {
			errs = append(errs, fmt.Errorf("disk_size: %w", err))
		}
		c.diskSize = n
		if !slices.ContainsFunc(c.Formats, isDisk) {
			warnings = append(warnings, "disk_size is set but formats has none of \"raw-bios\", \"vmdk\", \"raw-efi\", \"vmdk-efi\", \"ova\", \"ovf\"")
		}
	}
	return warnings, errs
}

// isDisk reports whether format is a disk whose size disk_size sets.
func isDisk(format string) bool {
	switch format {
	case FormatRawBIOS, FormatVMDK, FormatRawEFI, FormatVMDKEFI, FormatOVA, FormatOVF:
		return true
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
