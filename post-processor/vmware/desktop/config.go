//go:generate go tool packer-sdc struct-markdown

package desktop

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	vmwdesktop "github.com/seed844b7c54/packer-plugin-linuxkit/internal/desktop"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// Defaults of the desktop targets (fusion, workstation).
const (
	// DefaultDesktopHardwareVersion is the virtual hardware version of a
	// desktop VM when hardware_version is unset (Workstation 17 / Fusion 13).
	DefaultDesktopHardwareVersion = 19
	// DefaultDesktopGuestOSType is the guestOS of a desktop VM when
	// guest_os_type is unset.
	DefaultDesktopGuestOSType = "other5xlinux-64"
	// DefaultDesktopIPWaitTimeout is ip_wait_timeout on the desktop targets.
	DefaultDesktopIPWaitTimeout = 5 * time.Minute
	// DefaultNetworkType is network_type when it is unset.
	DefaultNetworkType = "nat"
	// ConsoleLogName is the file name of the serial console log in the VM's
	// folder when serial_log_path is unset.
	ConsoleLogName = "console.log"
)

// DesktopConfig holds the options of the desktop targets, `fusion` and
// `workstation`. Setting one of them with `target = "vsphere"` is an error.
// The VM is created in its own folder from a generated (or templated) .vmx
// and started with vmrun.
type DesktopConfig struct {
	// The path to `vmrun`. Defaults to the one found for the target: for
	// Fusion `/Applications/VMware Fusion.app/Contents/Library/vmrun`, under
	// `FUSION_APP_PATH` when that is set; for Workstation `vmrun` on the
	// `PATH`, or its usual install folder on Windows. When set, the file must
	// exist.
	VMRunPath string `mapstructure:"vmrun_path"`
	// Start the VM without a window (`vmrun start <vmx> nogui`); `false`
	// opens the hypervisor's window (`gui`). Defaults to `true`.
	Headless *bool `mapstructure:"headless"`
	// How the VM's network adapter is connected: `nat`, `bridged` or
	// `hostonly`. Defaults to `nat`. For several NICs, or a custom `vmnetN`,
	// use network_adapters instead.
	NetworkType string `mapstructure:"network_type"`
	// A .vmx file to start from instead of an empty one, as a clone base: its
	// keys are kept unless the post-processor or `vmx_data` sets them. The
	// file must exist.
	VMXTemplate string `mapstructure:"vmx_template"`
	// Keys that override the generated .vmx, applied last (before
	// `guestinfo`). Keys use letters, digits, `_`, `.`, `:` and `-`.
	VMXData map[string]string `mapstructure:"vmx_data"`
	// Where the serial console is written when `serial_log` is on. Defaults
	// to `<output_directory>/console.log`. Setting it with `serial_log =
	// false` is an error.
	SerialLogPath string `mapstructure:"serial_log_path"`
	// Leave the VM running when the post-processor is done. `false` stops
	// it: a soft stop first, then a hard one. Defaults to `true`.
	KeepRunning *bool `mapstructure:"keep_running"`

	defaulted deviceDefaults
}

// Devices are the device models a desktop VM accepts and its default
// hardware version.
var Devices = common.Devices{
	Controllers:     []string{"lsilogic", "nvme", "sata"},
	HardwareVersion: DefaultDesktopHardwareVersion,
}

// Prepare checks the desktop options for target (fusion or workstation),
// applies the desktop defaults to them and to the shared options hw, and
// checks the rules that span both. set holds the option names the user
// wrote.
func (c *DesktopConfig) Prepare(target string, hw *common.HardwareConfig, set map[string]bool) []error {
	errs := hw.PrepareDevices(target, Devices)
	errs = append(errs, c.prepareOwn()...)
	errs = append(errs, prepareNICs(hw, set)...)
	if hw.GuestOSType == "" {
		hw.GuestOSType = DefaultDesktopGuestOSType
	}
	if hw.IPWaitTimeout == 0 {
		hw.IPWaitTimeout = DefaultDesktopIPWaitTimeout
	}
	if set["serial_log_path"] && !*hw.SerialLog {
		errs = append(errs, fmt.Errorf("serial_log_path is set but serial_log is false; remove one of them"))
	}
	if target == common.TargetFusion && DetectHost().AppleSilicon() {
		errs = append(errs, checkAppleSilicon(hw, set)...)
	}
	c.defaulted = deviceDefaults{
		guestOS:    !set["guest_os_type"],
		controller: !set["disk_controller_type"],
		adapter:    !set["network_adapter_type"],
	}
	c.ResolveDerived(hw)
	return errs
}

// checkAppleSilicon returns the errors of the options that can never work
// with Fusion on an Apple silicon Mac, whatever the artifact: BIOS firmware
// and the SCSI controllers it does not have. The artifact's architecture is
// checked when the post-processor runs.
func checkAppleSilicon(hw *common.HardwareConfig, set map[string]bool) []error {
	var errs []error
	if hw.Firmware == "bios" {
		errs = append(errs, fmt.Errorf(`firmware "bios" with target "fusion" on an Apple silicon Mac: Fusion there runs only arm64 EFI guests; `+
			`remove firmware, or set it to "efi"`))
	}
	if set["disk_controller_type"] {
		if err := vmwdesktop.CheckArm64Controller("arm64", hw.DiskControllerType); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// prepareOwn checks the desktop options on their own and fills in their
// defaults.
func (c *DesktopConfig) prepareOwn() []error {
	var errs []error
	if c.VMRunPath != "" {
		if err := common.CheckFile("vmrun_path", c.VMRunPath); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Headless == nil {
		c.Headless = common.BoolPtr(true)
	}
	if c.NetworkType == "" {
		c.NetworkType = DefaultNetworkType
	} else if err := common.OneOf("network_type", c.NetworkType, "nat", "bridged", "hostonly"); err != nil {
		errs = append(errs, err)
	}
	if c.VMXTemplate != "" {
		if err := common.CheckFile("vmx_template", c.VMXTemplate); err != nil {
			errs = append(errs, err)
		}
	}
	for k := range c.VMXData {
		if !common.IsConfigKey(k) {
			errs = append(errs, fmt.Errorf("vmx_data key %q may contain only letters, digits, '_', '.', ':' and '-'", k))
		}
	}
	if c.KeepRunning == nil {
		c.KeepRunning = common.BoolPtr(true)
	}
	return errs
}

// ErrFusionAppleSilicon is returned for target "fusion" on an Apple silicon
// Mac when the artifact is amd64: Fusion there runs only arm64 EFI guests.
var ErrFusionAppleSilicon = errors.New(`target "fusion" cannot run this amd64 image on an Apple silicon Mac: ` +
	`Fusion there runs only arm64 EFI guests; build the image with arch = "arm64" and an EFI format ` +
	`("vmdk-efi" or "iso-efi"), or run it on an Intel Mac, VMware Workstation or target "vsphere"`)

// ResolveDerived fills what derives from vm_name: output_directory and
// serial_log_path. Prepare calls it, and Run again once the artifact named
// the VM: whatever still depends on an unknown vm_name stays empty until
// then. Values already set are kept.
func (c *DesktopConfig) ResolveDerived(hw *common.HardwareConfig) {
	if hw.OutputDirectory == "" && hw.VMName != "" {
		hw.OutputDirectory = "output-" + hw.VMName + "-vmware"
	}
	if c.SerialLogPath == "" && hw.OutputDirectory != "" && hw.SerialLog != nil && *hw.SerialLog {
		c.SerialLogPath = filepath.Join(hw.OutputDirectory, ConsoleLogName)
	}
}
