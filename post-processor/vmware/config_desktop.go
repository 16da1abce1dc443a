//go:generate go tool packer-sdc struct-markdown

package vmware

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
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
	// `hostonly`. Defaults to `nat`.
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
}

// Prepare checks the desktop options on their own and fills in their
// defaults. Rules that involve the shared options live in Config.
func (c *DesktopConfig) Prepare() []error {
	var errs []error
	if c.VMRunPath != "" {
		if err := checkFile("vmrun_path", c.VMRunPath); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Headless == nil {
		c.Headless = boolPtr(true)
	}
	if c.NetworkType == "" {
		c.NetworkType = DefaultNetworkType
	} else if err := oneOf("network_type", c.NetworkType, "nat", "bridged", "hostonly"); err != nil {
		errs = append(errs, err)
	}
	if c.VMXTemplate != "" {
		if err := checkFile("vmx_template", c.VMXTemplate); err != nil {
			errs = append(errs, err)
		}
	}
	for k := range c.VMXData {
		if !isConfigKey(k) {
			errs = append(errs, fmt.Errorf("vmx_data key %q may contain only letters, digits, '_', '.', ':' and '-'", k))
		}
	}
	if c.KeepRunning == nil {
		c.KeepRunning = boolPtr(true)
	}
	return errs
}

// prepareDesktop applies the desktop defaults to the shared options and checks
// the rules that span them.
func (c *Config) prepareDesktop(set map[string]bool) []error {
	errs := c.DesktopConfig.Prepare()
	if c.GuestOSType == "" {
		c.GuestOSType = DefaultDesktopGuestOSType
	}
	if c.IPWaitTimeout == 0 {
		c.IPWaitTimeout = DefaultDesktopIPWaitTimeout
	}
	if set["serial_log_path"] && !*c.SerialLog {
		errs = append(errs, fmt.Errorf("serial_log_path is set but serial_log is false; remove one of them"))
	}
	if c.Target == TargetFusion && onAppleSilicon() {
		errs = append(errs, ErrFusionAppleSilicon)
	}
	c.resolveDerived()
	return errs
}

// ErrFusionAppleSilicon is returned for target "fusion" on an Apple silicon
// Mac, where Fusion runs only arm64 guests: the images this plugin builds are
// amd64 BIOS images.
var ErrFusionAppleSilicon = errors.New(`target "fusion" cannot run this image on an Apple silicon Mac: ` +
	`Fusion there runs only arm64 EFI guests, and this plugin builds amd64 BIOS images for now; ` +
	`use an Intel Mac, or VMware Workstation, or target "vsphere"`)

// ResolveNames fills the defaults that derive from the VM's name, once the
// artifact is known: vm_name itself (from artifactName, the artifact's name
// state, else the build's name), then the options derived from it (see
// resolveDerived). Values already set are kept.
func (c *Config) ResolveNames(artifactName string) {
	if c.VMName == "" {
		c.VMName = artifactName
	}
	if c.VMName == "" {
		c.VMName = c.PackerBuildName
	}
	c.resolveDerived()
}

// resolveDerived fills what derives from vm_name: on the desktop targets
// output_directory and serial_log_path, on vSphere the content library item
// name. Configure calls it too: whatever still depends on an unknown vm_name
// stays empty, so the artifact's name can decide later.
func (c *Config) resolveDerived() {
	if c.IsDesktop() {
		if c.OutputDirectory == "" && c.VMName != "" {
			c.OutputDirectory = "output-" + c.VMName + "-vmware"
		}
		if c.SerialLogPath == "" && c.OutputDirectory != "" && c.SerialLog != nil && *c.SerialLog {
			c.SerialLogPath = filepath.Join(c.OutputDirectory, ConsoleLogName)
		}
		return
	}
	if cl := c.ContentLibrary; cl != nil && cl.Name == "" && c.VMName != "" {
		cl.Name = cl.DefaultName(c.VMName)
	}
}

// checkFile reports an error unless path names an existing file (not a
// folder).
func checkFile(option, path string) error {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", option, err)
	case fi.IsDir():
		return fmt.Errorf("%s: %q is a folder, not a file", option, path)
	}
	return nil
}
