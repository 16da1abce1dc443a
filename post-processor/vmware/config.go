//go:generate go tool packer-sdc struct-markdown
//go:generate go tool packer-sdc mapstructure-to-hcl2 -type Config

package vmware

import (
	"fmt"

	packercommon "github.com/hashicorp/packer-plugin-sdk/common"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/desktop"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vsphere"
)

// Config is the configuration of the linuxkit-vmware post-processor: the
// target, the options every target shares (common.HardwareConfig), plus the
// desktop and the vSphere options (all embedded, squashed, so they are
// top-level keys in the template).
//
// The options that make sense on one kind of target only are an error on the
// other, naming the option and the target, so a typo in the target never
// silently drops half of the configuration.
type Config struct {
	packercommon.PackerConfig `mapstructure:",squash"`

	// Where the virtual machine is created: `vsphere`, `fusion` (VMware Fusion
	// on a Mac: an Intel Mac for amd64 images, an Apple silicon Mac for arm64
	// EFI images) or `workstation` (VMware Workstation on Linux or Windows).
	Target string `mapstructure:"target" required:"true"`

	common.HardwareConfig `mapstructure:",squash"`
	desktop.DesktopConfig `mapstructure:",squash"`
	vsphere.VSphereConfig `mapstructure:",squash"`

	ctx interpolate.Context
}

// Prepare validates the configuration and fills in the defaults that are
// known before an artifact exists. setKeys are the option names the user
// wrote (config.Decode's metadata), needed to tell an option left unset from
// one set to its zero value. It returns every problem found, not just the
// first.
func (c *Config) Prepare(setKeys []string) []error {
	set := common.KeySet(setKeys)
	// Through HCL2 a list of blocks arrives as an empty list when no block is
	// written: that is not setting it.
	for name, n := range map[string]int{"tags": len(c.Tags), "network_adapters": len(c.NetworkAdapters)} {
		if n == 0 {
			delete(set, name)
		}
	}
	if c.PackerForce {
		c.Overwrite = true
	}
	var errs []error
	switch c.Target {
	case common.TargetVSphere, common.TargetFusion, common.TargetWorkstation:
	case "":
		errs = append(errs, fmt.Errorf(`target is required: "vsphere", "fusion" or "workstation"`))
	default:
		errs = append(errs, fmt.Errorf(`target %q is not one of "vsphere", "fusion" or "workstation"`, c.Target))
	}
	errs = append(errs, c.HardwareConfig.Prepare(set)...)
	switch c.Target {
	case common.TargetFusion, common.TargetWorkstation:
		errs = append(errs, checkTargetOptions(c.Target, set)...)
		errs = append(errs, c.DesktopConfig.Prepare(c.Target, &c.HardwareConfig, set)...)
	case common.TargetVSphere:
		errs = append(errs, checkTargetOptions(c.Target, set)...)
		errs = append(errs, c.VSphereConfig.Prepare(&c.HardwareConfig)...)
		errs = append(errs, c.VSphereConfig.PrepareStandards(&c.HardwareConfig, set)...)
	}
	if c.Target != "" {
		errs = append(errs, c.HardwareConfig.CheckNICVersions()...)
	}
	return errs // without a valid target the rest cannot be judged
}
