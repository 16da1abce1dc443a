//go:generate go tool packer-sdc mapstructure-to-hcl2 -type OVFConfig
//go:generate go tool packer-sdc struct-markdown

package linuxkit

import (
	"fmt"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/ovf"
)

// Output formats that are VM packages (see [OVA and OVF](#ova-and-ovf)).
const (
	FormatOVA = artifact.FormatOVA
	FormatOVF = artifact.FormatOVF
)

// The virtual hardware defaults of the ova and ovf formats.
const (
	defaultOVFCPUs    = 1
	defaultOVFMemory  = 1024
	defaultOVFGuestOS = "otherLinux64Guest"
	defaultOVFNIC     = "vmxnet3"
	ovfDiskController = "pvscsi"
	ovfDiskSuffix     = "-disk1.vmdk"
	ovfMaxCPUs        = 768
	ovfMaxMemoryMB    = 24 << 20 // 24 TiB, vSphere 8's maximum
)

// OVFConfig is the virtual hardware the `ova` and `ovf` formats describe in
// their OVF descriptor: what a VM imported from them gets.
type OVFConfig struct {
	// Virtual CPUs of the VM. Defaults to `1`.
	OVFCPUs int `mapstructure:"ovf_cpus"`
	// Memory of the VM in MiB, a multiple of 4. Defaults to `1024`.
	OVFMemory int64 `mapstructure:"ovf_memory"`
	// `bios` (the disk inside is the `raw-bios` disk) or `efi` (the
	// `raw-efi` disk, booting a UKI of systemd's EFI stub). Defaults to
	// `bios`, or `efi` with `arch = "arm64"`, where `bios` is an error.
	OVFFirmware string `mapstructure:"ovf_firmware"`
	// VMware's guest OS identifier. Defaults to `otherLinux64Guest`.
	OVFGuestOSType string `mapstructure:"ovf_guest_os_type"`
	// `vmxnet3`, `e1000e` or `e1000`: the type of the VM's one network
	// adapter. Defaults to `vmxnet3`.
	OVFNetworkAdapterType string `mapstructure:"ovf_network_adapter_type"`
}

// prepareOVF defaults and checks the ovf_* options, warning when one is set
// but neither ova nor ovf is built.
func (c *Config) prepareOVF() (warnings []string, errs []error) {
	o := &c.OVFConfig
	if *o != (OVFConfig{}) && !contains(c.Formats, FormatOVA) && !contains(c.Formats, FormatOVF) {
		warnings = append(warnings, "ovf_* options are set but formats includes neither \"ova\" nor \"ovf\"")
	}
	if o.OVFCPUs == 0 {
		o.OVFCPUs = defaultOVFCPUs
	}
	if o.OVFMemory == 0 {
		o.OVFMemory = defaultOVFMemory
	}
	if o.OVFGuestOSType == "" {
		o.OVFGuestOSType = defaultOVFGuestOS
	}
	if o.OVFNetworkAdapterType == "" {
		o.OVFNetworkAdapterType = defaultOVFNIC
	}
	if o.OVFFirmware == "" {
		o.OVFFirmware = artifact.FirmwareBIOS
		if c.Arch == artifact.ArchARM64 {
			o.OVFFirmware = artifact.FirmwareEFI
		}
	}
	if o.OVFCPUs < 1 || o.OVFCPUs > ovfMaxCPUs {
		errs = append(errs, fmt.Errorf("ovf_cpus: %d is not between 1 and %d", o.OVFCPUs, ovfMaxCPUs))
	}
	if o.OVFMemory < 4 || o.OVFMemory%4 != 0 || o.OVFMemory > ovfMaxMemoryMB {
		errs = append(errs, fmt.Errorf("ovf_memory: %d MiB is not a multiple of 4 between 4 and %d", o.OVFMemory, ovfMaxMemoryMB))
	}
	switch o.OVFFirmware {
	case artifact.FirmwareBIOS:
		if c.Arch == artifact.ArchARM64 {
			errs = append(errs, fmt.Errorf("ovf_firmware: %q: arm64 machines have no BIOS; use %q", o.OVFFirmware, artifact.FirmwareEFI))
		}
	case artifact.FirmwareEFI:
	default:
		errs = append(errs, fmt.Errorf("ovf_firmware: %q is neither %q nor %q", o.OVFFirmware, artifact.FirmwareBIOS, artifact.FirmwareEFI))
	}
	if !ovf.IsGuestID(o.OVFGuestOSType) {
		errs = append(errs, fmt.Errorf("ovf_guest_os_type: %q may contain only letters, digits, '_' and '-'", o.OVFGuestOSType))
	}
	switch o.OVFNetworkAdapterType {
	case "vmxnet3", "e1000e", "e1000":
	default:
		errs = append(errs, fmt.Errorf("ovf_network_adapter_type: %q is not one of \"vmxnet3\", \"e1000e\", \"e1000\"", o.OVFNetworkAdapterType))
	}
	return warnings, errs
}

// formatFirmware is the firmware a format's output boots with: the medium's
// own (artifact.FormatFirmware), or ovf_firmware for the VM packages.
func (c *Config) formatFirmware(format string) (string, bool) {
	if artifact.IsPackage(format) {
		return c.OVFFirmware, true
	}
	return artifact.FormatFirmware(format)
}

// ovfVM is the descriptor's hardware for the disk of capacity bytes in the
// file href of fileSize bytes.
func (c *Config) ovfVM(href string, capacity, fileSize int64) ovf.VM {
	return ovf.VM{
		Name: c.OutputName, CPUs: c.OVFCPUs, MemoryMB: c.OVFMemory, Firmware: c.OVFFirmware,
		GuestID: c.OVFGuestOSType, DiskController: ovfDiskController, NetworkAdapter: c.OVFNetworkAdapterType,
		DiskCapacity: capacity, DiskFileSize: fileSize, DiskHref: href,
	}
}
