//go:generate go tool packer-sdc struct-markdown
//go:generate go tool packer-sdc mapstructure-to-hcl2 -type ContentLibraryConfig

package vmware

import (
	"fmt"
	"strings"
	"time"
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

// ConnectionConfig is how the post-processor reaches vCenter. Each field
// left unset falls back, on its own, to the environment: first
// `VSPHERE_SERVER`/`VSPHERE_USER`/`VSPHERE_PASSWORD`, then
// `GOVC_USERNAME`/`GOVC_PASSWORD`/`GOVC_INSECURE` and the parts of
// `GOVC_URL`, then the parts of `VCURL` (`user:password@host/sdk`). Passwords
// found anywhere, including inside those URLs, are hidden from Packer's logs.
type ConnectionConfig struct {
	// The vCenter server: a host name or address, optionally with `:port`
	// (not a URL). Required, unless the environment provides it.
	VCenterServer string `mapstructure:"vcenter_server"`
	// The user name. Required, unless the environment provides it.
	Username string `mapstructure:"username"`
	// The password. Required, unless the environment provides it.
	Password string `mapstructure:"password"`
	// Do not verify vCenter's TLS certificate. Defaults to `GOVC_INSECURE`
	// (`1` or `true`), else `false`. It cannot be combined with `ca_file`.
	InsecureConnection *bool `mapstructure:"insecure_connection"`
	// A PEM file of certificate authorities that vCenter's certificate is
	// verified against, instead of the system's. The file must exist.
	CAFile string `mapstructure:"ca_file"`
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
}

// Prepare checks the content_library block on its own.
func (c *ContentLibraryConfig) Prepare() []error {
	var errs []error
	if c.Library == "" {
		errs = append(errs, fmt.Errorf("content_library: library is required"))
	}
	if c.Name != "" && strings.ContainsAny(c.Name, `/\`) {
		errs = append(errs, fmt.Errorf("content_library: name %q must not contain '/' or '\\'", c.Name))
	}
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

// Prepare checks the vSphere options on their own and fills in their
// defaults, environment fallbacks included. Rules that involve the shared
// options live in Config.
func (c *VSphereConfig) Prepare() []error {
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
		if !isConfigKey(k) {
			errs = append(errs, fmt.Errorf("configuration_parameters key %q may contain only letters, digits, '_', '.', ':' and '-'", k))
		}
	}
	return errs
}

// prepareVSphere applies the vSphere defaults to the shared options and
// checks the rules that span them.
func (c *Config) prepareVSphere() []error {
	errs := c.VSphereConfig.Prepare()
	if c.GuestOSType == "" {
		c.GuestOSType = DefaultVSphereGuestOSType
	}
	if c.IPWaitTimeout == 0 {
		c.IPWaitTimeout = DefaultVSphereIPWaitTimeout
	}
	if c.WaitForIP && !c.PowerOn {
		errs = append(errs, fmt.Errorf("wait_for_ip = true needs power_on = true on target \"vsphere\": a VM that is off reports no IP"))
	}
	if cl := c.ContentLibrary; cl != nil {
		if cl.OVF && c.BootMedia != "disk" {
			errs = append(errs, fmt.Errorf("content_library.ovf = true needs boot_media = \"disk\": an OVF item drops the CD-ROM's ISO"))
		}
		if cl.Destroy && c.ConvertToTemplate {
			errs = append(errs, fmt.Errorf("content_library.destroy = true removes the VM that convert_to_template = true would keep as a template; remove one of them"))
		}
		if !cl.OVF && cl.Name != "" && cl.Name == c.VMName {
			errs = append(errs, fmt.Errorf("content_library.name %q is also vm_name: a VM template item is a clone in the same folder and needs its own name (or use ovf = true)", cl.Name))
		}
	}
	c.resolveDerived()
	return errs
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
