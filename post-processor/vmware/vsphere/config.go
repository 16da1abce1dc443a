//go:generate go tool packer-sdc struct-markdown
//go:generate go tool packer-sdc mapstructure-to-hcl2 -type ContentLibraryConfig

package vsphere

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// Defaults of the vSphere target.
const (
	// DefaultVSphereGuestOSType is the guest id of a vSphere VM when
	// guest_os_type is unset.
	DefaultVSphereGuestOSType = "otherLinux64Guest"
	// DefaultVSphereIPWaitTimeout is ip_wait_timeout on vSphere.
	DefaultVSphereIPWaitTimeout = 10 * time.Minute
	// DefaultShutdownTimeout is shutdown_timeout when it is unset.
	DefaultShutdownTimeout = 5 * time.Minute
	// DefaultUploadPath is upload_path when it is unset.
	DefaultUploadPath = "linuxkit"
)

// VSphereConfig holds the options of the `vsphere` target: the connection,
// the placement, and what becomes of the VM. Setting one of them with a
// desktop target is an error.
type VSphereConfig struct {
	ConnectionConfig `mapstructure:",squash"`
	PlacementConfig  `mapstructure:",squash"`
	StandardsConfig  `mapstructure:",squash"`

	// The datastore folder the ISO and disks are uploaded to. File names
	// carry the spec digest (`<name>-<digest12>.iso`), so a rebuild never
	// overwrites a file that existing clones use. A path relative to the
	// datastore's root, without `[datastore]`. Defaults to `linuxkit`.
	UploadPath string `mapstructure:"upload_path"`
	// Power the VM on once it is created. Defaults to `false`.
	PowerOn bool `mapstructure:"power_on"`
	// How long a graceful guest shutdown may take before a template is made
	// or an item published; after it the VM is powered off. Defaults to `5m`.
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"`
	// Mark the VM as a template when it is ready. Defaults to `false`.
	ConvertToTemplate bool `mapstructure:"convert_to_template"`
	// Publish the VM to a content library; see the content_library block
	// below.
	ContentLibrary *ContentLibraryConfig `mapstructure:"content_library"`
	// Replace an existing VM or template of the same name. Without it, an
	// existing one is an error before anything is created. Packer's `-force`
	// sets it. Defaults to `false`.
	Overwrite bool `mapstructure:"overwrite"`
	// The VM's annotation (notes).
	Notes string `mapstructure:"notes"`
	// Keys and values added to the VM's extraConfig. `guestinfo` wins for the
	// same key. Keys use letters, digits, `_`, `.`, `:` and `-`.
	ConfigurationParameters map[string]string `mapstructure:"configuration_parameters"`
}

// PlacementConfig is where the VM goes in the vSphere inventory. Each field
// left unset falls back to the environment, and then to the only object of
// its kind when exactly one exists; when several do, the post-processor
// stops with an error listing them.
type PlacementConfig struct {
	// The datacenter. Defaults to `VCDATACENTER`, then `GOVC_DATACENTER`.
	Datacenter string `mapstructure:"datacenter"`
	// The cluster the VM runs in.
	Cluster string `mapstructure:"cluster"`
	// The ESXi host the VM runs on. Defaults to `VCHOST`, then `GOVC_HOST`.
	Host string `mapstructure:"host"`
	// The resource pool. Defaults to `GOVC_RESOURCE_POOL`, then the root pool
	// of the cluster or host.
	ResourcePool string `mapstructure:"resource_pool"`
	// The datastore for the VM and the uploads. Defaults to `VCDATASTORE`,
	// then `GOVC_DATASTORE`.
	Datastore string `mapstructure:"datastore"`
	// A datastore cluster (storage pod) instead of `datastore`: the VM and
	// the uploads go to the datastore its Storage DRS recommends for the new
	// VM. Setting both is an error; with it, the `datastore` environment
	// fallbacks are not read.
	DatastoreCluster string `mapstructure:"datastore_cluster"`
	// The VM folder, relative to the datacenter's VM folder. Defaults to
	// `GOVC_FOLDER`, then the datacenter's VM folder itself.
	Folder string `mapstructure:"folder"`
	// The network: a port group or a distributed port group. Defaults to
	// `VCNETWORK`, then `GOVC_NETWORK`.
	Network string `mapstructure:"network"`
}

// ContentLibraryConfig publishes the finished VM to a vSphere content
// library, as a VM template item or, with `ovf = true`, an OVF item.
type ContentLibraryConfig struct {
	// The name of the content library; it must exist.
	Library string `mapstructure:"library" required:"true"`
	// The name of the library item. Defaults to `vm_name` for OVF items and
	// to `<vm_name>-template` for VM template items: a VM template item is a
	// clone in the VM's folder, so it cannot share the VM's name.
	Name string `mapstructure:"name"`
	// Publish an OVF item instead of a VM template item. An OVF drops the
	// CD-ROM's ISO, so it needs `boot_media = "disk"`. Defaults to `false`.
	OVF bool `mapstructure:"ovf"`
	// The item's description.
	Description string `mapstructure:"description"`
	// Remove the VM once the item is published. It cannot be combined with
	// `convert_to_template`. Defaults to `false`.
	Destroy bool `mapstructure:"destroy"`
	// With `ovf = true`: what the OVF item keeps of the VM, any of
	// `EXTRA_CONFIG` (the extraConfig: `guestinfo` and
	// `configuration_parameters`, which vSphere drops from an OVF otherwise)
	// and `PRESERVE_MAC` (the NICs' MAC addresses). Defaults to
	// `["EXTRA_CONFIG"]` when `guestinfo` or `configuration_parameters` is
	// set, else none.
	OVFFlags []string `mapstructure:"ovf_flags"`
}

// The content library OVF flags ovf_flags accepts.
const (
	// OVFFlagExtraConfig keeps the VM's extraConfig in the OVF item.
	OVFFlagExtraConfig = "EXTRA_CONFIG"
	// OVFFlagPreserveMAC keeps the NICs' MAC addresses in the OVF item.
	OVFFlagPreserveMAC = "PRESERVE_MAC"
)

// Prepare checks the content_library block on its own.
func (c *ContentLibraryConfig) Prepare() []error {
	var errs []error
	if c.Library == "" {
		errs = append(errs, fmt.Errorf("content_library: library is required"))
	}
	if c.Name != "" && strings.ContainsAny(c.Name, `/\`) {
		errs = append(errs, fmt.Errorf("content_library: name %q must not contain '/' or '\\'", c.Name))
	}
	errs = append(errs, c.prepareOVFFlags()...)
	return errs
}

// DefaultName is the item name used when name is unset, for a VM called
// vmName.
func (c *ContentLibraryConfig) DefaultName(vmName string) string {
	if c.OVF {
		return vmName
	}
	return vmName + "-template"
}

// Prepare checks the placement options. Each unset field takes its
// environment fallback; what remains empty is chosen in the inventory later.
func (c *PlacementConfig) Prepare() []error {
	for _, f := range []struct {
		field *string
		vars  []string
	}{
		{&c.Datacenter, []string{"VCDATACENTER", "GOVC_DATACENTER"}},
		{&c.Host, []string{"VCHOST", "GOVC_HOST"}},
		{&c.ResourcePool, []string{"GOVC_RESOURCE_POOL"}},
		{&c.Datastore, []string{"VCDATASTORE", "GOVC_DATASTORE"}},
		{&c.Folder, []string{"GOVC_FOLDER"}},
		{&c.Network, []string{"VCNETWORK", "GOVC_NETWORK"}},
	} {
		if *f.field == "" {
			*f.field = firstEnv(f.vars...)
		}
	}
	return nil
}

// Devices are the device models a vSphere VM accepts; the host decides the
// hardware version when hardware_version is unset.
var Devices = common.Devices{Controllers: []string{"pvscsi", "lsilogic", "nvme", "sata"}}

// Prepare checks the vSphere options, applies the vSphere defaults to them
// (environment fallbacks included) and to the shared options hw, and checks
// the rules that span both.
func (c *VSphereConfig) Prepare(hw *common.HardwareConfig) []error {
	errs := hw.PrepareDevices(common.TargetVSphere, Devices)
	errs = append(errs, c.prepareOwn()...)
	if hw.GuestOSType == "" {
		hw.GuestOSType = DefaultVSphereGuestOSType
	}
	if hw.IPWaitTimeout == 0 {
		hw.IPWaitTimeout = DefaultVSphereIPWaitTimeout
	}
	if hw.WaitForIP && !c.PowerOn {
		errs = append(errs, fmt.Errorf("wait_for_ip = true needs power_on = true on target \"vsphere\": a VM that is off reports no IP"))
	}
	if cl := c.ContentLibrary; cl != nil {
		if cl.OVF && hw.BootMedia != "disk" {
			errs = append(errs, fmt.Errorf("content_library.ovf = true needs boot_media = \"disk\": an OVF item drops the CD-ROM's ISO"))
		}
		if cl.Destroy && c.ConvertToTemplate {
			errs = append(errs, fmt.Errorf("content_library.destroy = true removes the VM that convert_to_template = true would keep as a template; remove one of them"))
		}
		if !cl.OVF && cl.Name != "" && cl.Name == hw.VMName {
			errs = append(errs, fmt.Errorf("content_library.name %q is also vm_name: a VM template item is a clone in the same folder and needs its own name (or use ovf = true)", cl.Name))
		}
	}
	c.ResolveDerived(hw)
	return errs
}

// prepareOwn checks the vSphere options on their own and fills in their
// defaults.
func (c *VSphereConfig) prepareOwn() []error {
	errs := c.ConnectionConfig.Prepare()
	errs = append(errs, c.PlacementConfig.Prepare()...)
	if c.UploadPath == "" {
		c.UploadPath = DefaultUploadPath
	} else if err := checkUploadPath(c.UploadPath); err != nil {
		errs = append(errs, err)
	}
	if c.ShutdownTimeout < 0 {
		errs = append(errs, fmt.Errorf("shutdown_timeout must not be negative, not %s", c.ShutdownTimeout))
	} else if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.ContentLibrary != nil {
		errs = append(errs, c.ContentLibrary.Prepare()...)
	}
	for k := range c.ConfigurationParameters {
		if !common.IsConfigKey(k) {
			errs = append(errs, fmt.Errorf("configuration_parameters key %q may contain only letters, digits, '_', '.', ':' and '-'", k))
		}
	}
	return errs
}

// ResolveDerived fills what derives from vm_name: the content library
// item's name. Prepare calls it, and Run again once the artifact named the
// VM. A name already set is kept.
func (c *VSphereConfig) ResolveDerived(hw *common.HardwareConfig) {
	if cl := c.ContentLibrary; cl != nil && cl.Name == "" && hw.VMName != "" {
		cl.Name = cl.DefaultName(hw.VMName)
	}
}

// checkUploadPath accepts a relative datastore folder such as "linuxkit" or
// "images/linuxkit".
func checkUploadPath(p string) error {
	switch {
	case strings.HasPrefix(p, "["):
		return fmt.Errorf("upload_path %q: give the folder without \"[datastore]\"; the datastore comes from datastore", p)
	case strings.HasPrefix(p, "/") || strings.Contains(p, `\`):
		return fmt.Errorf("upload_path %q must be a folder relative to the datastore's root, using '/'", p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return fmt.Errorf("upload_path %q must not contain \"..\"", p)
		}
	}
	return nil
}

// firstEnv returns the value of the first variable that is set and not empty.
func firstEnv(vars ...string) string {
	for _, v := range vars {
		if s := os.Getenv(v); s != "" {
			return s
		}
	}
	return ""
}
