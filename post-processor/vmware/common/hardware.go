//go:generate go tool packer-sdc struct-markdown

package common

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/ovf"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/size"
)

// The targets a VM can be created on; the post-processor's target option
// holds one of them.
const (
	// TargetVSphere creates the VM on vCenter through govmomi.
	TargetVSphere = "vsphere"
	// TargetFusion creates the VM with VMware Fusion (macOS) through vmrun.
	TargetFusion = "fusion"
	// TargetWorkstation creates the VM with VMware Workstation (Linux,
	// Windows) through vmrun.
	TargetWorkstation = "workstation"
)

// Defaults shared by every target, exported so docs, tests and the steps
// agree on one value.
const (
	// DefaultCPUs is the number of virtual CPUs when cpus is unset.
	DefaultCPUs = 1
	// DefaultMemory is the memory in MB when memory is unset.
	DefaultMemory = 1024
	// DefaultNetworkAdapterType is the NIC model when network_adapter_type is unset.
	DefaultNetworkAdapterType = "vmxnet3"
)

// HardwareConfig holds the options every target shares: the VM's name, its
// virtual hardware, its boot medium and what to wait for. The post-processor
// squashes it into its configuration, so these are top-level keys.
type HardwareConfig struct {
	// The name of the virtual machine (and of the template, on vSphere).
	// Defaults to the artifact's `name` state (the builder's `output_name`),
	// else the build's name. It may not contain `/` or `\` and is at most 80
	// characters long.
	VMName string `mapstructure:"vm_name"`
	// The number of virtual CPUs. Defaults to `1`.
	CPUs int `mapstructure:"cpus"`
	// The memory in MB: at least `4` and a multiple of 4. Defaults to `1024`.
	// A LinuxKit image runs from its initrd, so the memory must hold the
	// whole image plus what it runs.
	Memory int `mapstructure:"memory"`
	// The firmware, `bios` or `efi`: it picks which of the artifact's media
	// the VM boots (`iso-bios`, `vmdk`, `raw-bios` boot with BIOS; `iso-efi`,
	// `vmdk-efi`, `raw-efi` with EFI). Defaults to the firmware of the
	// artifact's media, and to `bios` when the artifact has both. A value
	// that no medium of the artifact boots with is an error before anything
	// is created, naming the formats the artifact has. arm64 artifacts boot
	// with `efi` only. `efi-secure` is refused: the EFI media boot a unified
	// kernel image made from systemd's unsigned stub, and there is no signed
	// boot chain for Secure Boot.
	Firmware string `mapstructure:"firmware"`
	// The guest operating system identifier. Defaults to `otherLinux64Guest`
	// on vSphere and `other5xlinux-64` on the desktop targets
	// (`arm-other6xlinux-64` for an arm64 artifact).
	GuestOSType string `mapstructure:"guest_os_type"`
	// The virtual hardware version. On vSphere it defaults to the host's
	// default; on the desktop targets to `19`. The device types need a
	// minimum: `vmxnet3` and `pvscsi` 7, `e1000e` 8, `sata` 10, `nvme` 13.
	HardwareVersion int `mapstructure:"hardware_version"`
	// What the VM boots from: `iso` (the artifact's ISO of the chosen
	// firmware, iso-bios or iso-efi, attached as a CD-ROM) or `disk` (its
	// vmdk, or on vSphere its raw disk, of that firmware). Defaults on the
	// desktop targets to `disk` when the artifact has a vmdk, and on vSphere
	// to `iso` when the artifact has an ISO; otherwise to the one that
	// exists.
	BootMedia string `mapstructure:"boot_media"`
	// Sizes of extra, empty, thin-provisioned persistent disks, e.g.
	// `["10G"]`. Sizes take a binary unit, `K`, `M`, `G` or `T` (KiB … TiB);
	// a bare number is an error.
	Disks []string `mapstructure:"disks"`
	// The disk controller model. On vSphere `pvscsi` (the default),
	// `lsilogic`, or, with `boot_media = "iso"`, `nvme` or `sata`; on the
	// desktop targets `lsilogic` (the default), `nvme` or `sata`. An arm64
	// artifact defaults to `nvme`, and refuses `lsilogic` and `pvscsi`:
	// Fusion on Apple silicon has no SCSI controller.
	DiskControllerType string `mapstructure:"disk_controller_type"`
	// The network adapter model: `vmxnet3` (the default), `e1000e` or `e1000`.
	// An arm64 artifact on a desktop target defaults to `e1000e`: linuxkit's
	// arm64 kernels have no vmxnet3 driver.
	NetworkAdapterType string `mapstructure:"network_adapter_type"`
	// The NICs in list form; see network_adapters below.
	NICConfig `mapstructure:",squash"`
	// Keys written as `guestinfo.<key>` in the VM's configuration, where
	// LinuxKit's metadata package reads its metadata and userdata. Write the
	// key without the `guestinfo.` prefix; keys use letters, digits, `_`, `.`
	// and `-`. Values are written raw: for base64, encode the value yourself
	// and set `<key>.encoding = "base64"`. An entry here wins over the same
	// key in `configuration_parameters` or `vmx_data`.
	GuestInfo map[string]string `mapstructure:"guestinfo"`
	// Connect a serial port that writes the console to a file (the desktop
	// `serial_log_path`, or a file in the VM's folder on the datastore). It
	// needs `console=ttyS0` on the kernel command line; the post-processor
	// warns when it is missing. The port is removed before a vSphere VM is
	// made a template or published. Defaults to `true`.
	SerialLog *bool `mapstructure:"serial_log"`
	// Desktop targets: the VM's folder (vmx, disks, console log); defaults to
	// `output-<vm_name>-vmware`, and Packer's `-force` replaces it. vSphere
	// (`boot_media = "disk"`): where a raw-bios disk is converted to a
	// temporary streamOptimized vmdk for the import (removed afterwards);
	// defaults to the folder of the artifact's files.
	OutputDirectory string `mapstructure:"output_directory"`
	// Wait until the guest reports an IP address (VMware Tools or
	// open-vm-tools must run in the image). On the desktop targets this uses
	// `vmrun getGuestIPAddress -wait`; on vSphere it needs `power_on = true`.
	// Defaults to `false`.
	WaitForIP bool `mapstructure:"wait_for_ip"`
	// How long to wait for the IP address. Defaults to `5m` on the desktop
	// targets and `10m` on vSphere.
	IPWaitTimeout time.Duration `mapstructure:"ip_wait_timeout"`

	diskSizes []int64
}

// DiskSizes returns the sizes in bytes of the extra disks, in the order of
// `disks`. It is filled by a successful Prepare.
func (c *HardwareConfig) DiskSizes() []int64 { return append([]int64(nil), c.diskSizes...) }

// Prepare checks the options whose rules do not depend on the target and
// fills the defaults that do not either. set holds the option names the user
// wrote (see KeySet), to tell an option left unset from one set to zero.
func (c *HardwareConfig) Prepare(set map[string]bool) []error {
	var errs []error
	if err := CheckVMName(c.VMName); err != nil {
		errs = append(errs, err)
	}
	if c.CPUs < 0 || (set["cpus"] && c.CPUs < 1) {
		errs = append(errs, fmt.Errorf("cpus must be at least 1, not %d", c.CPUs))
	} else if c.CPUs == 0 {
		c.CPUs = DefaultCPUs
	}
	switch {
	case c.Memory < 0 || (set["memory"] && c.Memory < 4):
		errs = append(errs, fmt.Errorf("memory is in MB and must be at least 4, not %d", c.Memory))
	case c.Memory == 0:
		c.Memory = DefaultMemory
	case c.Memory%4 != 0:
		errs = append(errs, fmt.Errorf("memory must be a multiple of 4 (MB), not %d", c.Memory))
	}
	if c.Firmware == FirmwareEFISecure {
		errs = append(errs, ErrSecureBoot)
	} else if err := OneOf("firmware", c.Firmware, "bios", "efi"); c.Firmware != "" && err != nil {
		errs = append(errs, err)
	}
	if err := OneOf("boot_media", c.BootMedia, "iso", "disk"); c.BootMedia != "" && err != nil {
		errs = append(errs, err)
	}
	if c.GuestOSType != "" && !ovf.IsGuestID(c.GuestOSType) {
		errs = append(errs, fmt.Errorf("guest_os_type %q may contain only letters, digits, '_' and '-'", c.GuestOSType))
	}
	if c.HardwareVersion < 0 || (set["hardware_version"] && c.HardwareVersion < 4) {
		errs = append(errs, fmt.Errorf("hardware_version must be at least 4, not %d", c.HardwareVersion))
	}
	errs = append(errs, c.prepareDisks()...)
	errs = append(errs, c.NICConfig.Prepare(set)...)
	for k := range c.GuestInfo {
		if err := checkGuestInfoKey(k); err != nil {
			errs = append(errs, err)
		}
	}
	if c.SerialLog == nil {
		c.SerialLog = BoolPtr(true)
	}
	if c.IPWaitTimeout < 0 {
		errs = append(errs, fmt.Errorf("ip_wait_timeout must not be negative, not %s", c.IPWaitTimeout))
	}
	return errs
}

// prepareDisks parses the sizes of `disks` into diskSizes.
func (c *HardwareConfig) prepareDisks() []error {
	var errs []error
	c.diskSizes = nil
	for i, d := range c.Disks {
		n, err := size.Parse(d)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("disks[%d]: %w", i, err))
		case n == 0:
			errs = append(errs, fmt.Errorf("disks[%d]: %q is empty; an extra disk needs a size larger than zero", i, d))
		default:
			c.diskSizes = append(c.diskSizes, n)
		}
	}
	return errs
}

// ResolveVMName fills vm_name once the artifact is known, when the template
// left it unset: the artifact's name state, else the build's name. A name
// taken from either must pass the same rules as one the user wrote.
func (c *HardwareConfig) ResolveVMName(artifactName, buildName string) error {
	if c.VMName == "" {
		c.VMName = artifactName
	}
	if c.VMName == "" {
		c.VMName = buildName
	}
	if c.VMName == "" {
		return errors.New("vm_name is empty and neither the artifact's name nor the build's name can stand in for it; set vm_name")
	}
	if err := CheckVMName(c.VMName); err != nil {
		return fmt.Errorf("the VM name taken from the artifact: %w; set vm_name", err)
	}
	return nil
}

// CheckVMName rejects names that cannot be a file name on a desktop target or
// a single inventory name on vSphere. An empty name is left for the default.
func CheckVMName(name string) error {
	if name == "" {
		return nil
	}
	switch {
	case name == "." || name == "..":
		return fmt.Errorf("vm_name %q is not a usable name", name)
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("vm_name %q must not contain '/' or '\\'", name)
	case strings.IndexFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return fmt.Errorf("vm_name %q must not contain control characters", name)
	case len([]rune(name)) > 80:
		return fmt.Errorf("vm_name is %d characters long; vSphere and VMware desktop products allow at most 80", len([]rune(name)))
	}
	return nil
}

// checkGuestInfoKey enforces the guestinfo key rules: the characters the VMX
// format and vSphere's extraConfig accept without quoting, and no
// "guestinfo." prefix, which the post-processor adds itself. Rejecting the
// prefix, rather than stripping it, keeps "a" and "guestinfo.a" from silently
// naming the same key.
func checkGuestInfoKey(k string) error {
	switch {
	case k == "":
		return fmt.Errorf("guestinfo: a key is empty")
	case strings.HasPrefix(strings.ToLower(k), "guestinfo."):
		return fmt.Errorf("guestinfo key %q: drop the \"guestinfo.\" prefix; keys are written as guestinfo.<key>", k)
	case !IsConfigKey(k) || strings.Contains(k, ":"):
		return fmt.Errorf("guestinfo key %q may contain only letters, digits, '_', '.' and '-'", k)
	}
	return nil
}
