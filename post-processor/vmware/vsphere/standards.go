//go:generate go tool packer-sdc struct-markdown
//go:generate go tool packer-sdc mapstructure-to-hcl2 -type TagConfig

package vsphere

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	vsdriver "github.com/seed844b7c54/packer-plugin-linuxkit/internal/vsphere"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// DefaultIPSettleTimeout is ip_settle_timeout when it is unset, as in
// packer-plugin-vsphere.
const DefaultIPSettleTimeout = 5 * time.Second

// TagConfig is one entry of tags: a vSphere tag by its category and name.
type TagConfig struct {
	// The tag's category.
	Category string `mapstructure:"category" required:"true"`
	// The tag's name.
	Name string `mapstructure:"name" required:"true"`
}

// StandardsConfig holds the vSphere options that platform teams set as a
// template's standards: tags, the CPU topology, resource allocations,
// hot-add, nested virtualization, video memory, disk provisioning, the CD-ROM
// bus, the boot order, the folder made on demand, and which IP address to
// wait for. The vSphere target squashes it into its options.
type StandardsConfig struct {
	// Tags attached to the VM (and so to the template it becomes) and to the
	// content library item, through vSphere's tagging service: in HCL one
	// `tags { category = "os" name = "linuxkit" }` block per tag, in JSON a
	// list of such objects. A category or tag that does not exist is an error
	// listing the ones that do, unless `create_tags` is set.
	Tags []TagConfig `mapstructure:"tags"`
	// Create the categories and tags of `tags` that are missing (a category
	// of cardinality "multiple", for every object type). Defaults to `false`.
	// Created categories and tags stay: they are shared inventory metadata.
	CreateTags bool `mapstructure:"create_tags"`
	// The number of CPU cores per socket; it must divide `cpus`. Defaults to
	// vSphere's (one core per socket).
	CPUCores int `mapstructure:"cpu_cores"`
	// The CPU reservation in MHz. Defaults to none.
	CPUReservation int64 `mapstructure:"cpu_reservation"`
	// The CPU limit in MHz; at least `cpu_reservation`. Defaults to unlimited.
	CPULimit int64 `mapstructure:"cpu_limit"`
	// The memory reservation in MB, at most `memory`. Defaults to none.
	MemoryReservation int64 `mapstructure:"memory_reservation"`
	// The memory limit in MB; at least `memory_reservation`. Defaults to
	// unlimited.
	MemoryLimit int64 `mapstructure:"memory_limit"`
	// Allow adding CPUs while the VM runs. Defaults to `false`.
	CPUHotAdd bool `mapstructure:"cpu_hot_add"`
	// Allow adding memory while the VM runs. Defaults to `false`.
	MemoryHotAdd bool `mapstructure:"memory_hot_add"`
	// Expose hardware virtualization to the guest (nested hypervisors).
	// Defaults to `false`.
	NestedHV bool `mapstructure:"nested_hv"`
	// The video card's memory in KiB. Defaults to the host's.
	VideoRAM int64 `mapstructure:"video_ram"`
	// How the VM's disks are provisioned: `thin` (the default), `lazy-zeroed`
	// or `eager-zeroed` (thick, zeroed up front, as fault tolerance and some
	// clustering need). It applies to the imported boot disk and to every
	// disk of `disks`.
	DiskProvisioning string `mapstructure:"disk_provisioning"`
	// The CD-ROM's bus: `ide` (the default) or `sata`.
	CDROMType string `mapstructure:"cdrom_type"`
	// The boot order, a comma-separated list of `disk`, `cdrom`, `ethernet`
	// and `floppy`, e.g. `"disk,cdrom"`. Defaults to the CD-ROM first when
	// the VM boots from the ISO, else vSphere's order.
	BootOrder string `mapstructure:"boot_order"`
	// Create `folder` (and the folders above it) when it does not exist.
	// Without it a missing folder is an error listing the ones that exist.
	// Defaults to `false`. A folder made here stays, like any placement.
	CreateFolder bool `mapstructure:"create_folder"`
	// With `wait_for_ip`: how long the address must stay the same before it
	// is taken, so a DHCP lease that changes right after boot is not used.
	// Defaults to `5s`.
	IPSettleTimeout time.Duration `mapstructure:"ip_settle_timeout"`
	// With `wait_for_ip`: wait for an address in this CIDR block, e.g.
	// `"10.0.0.0/8"` or `"fd00::/8"`. Defaults to any usable address.
	IPWaitAddress string `mapstructure:"ip_wait_address"`
	// With `wait_for_ip`: wait for an address of the NIC on this network
	// (the `network` option's, or one of `network_adapters`). Defaults to
	// any NIC.
	IPWaitNetwork string `mapstructure:"ip_wait_network"`

	cidr *net.IPNet
}

// PrepareStandards checks the standards options against the shared ones
// (hw, already prepared) and the vSphere ones; set holds the options the
// user wrote.
func (c *VSphereConfig) PrepareStandards(hw *common.HardwareConfig, set map[string]bool) []error {
	s := &c.StandardsConfig
	var errs []error
	for i, t := range s.Tags {
		if t.Category == "" || t.Name == "" {
			errs = append(errs, fmt.Errorf("tags[%d]: both category and name are required", i))
		}
	}
	if s.CPUCores < 0 || (s.CPUCores > 0 && hw.CPUs%s.CPUCores != 0) {
		errs = append(errs, fmt.Errorf("cpu_cores %d must be a divisor of cpus (%d): it is the number of cores per socket", s.CPUCores, hw.CPUs))
	}
	for _, n := range []struct {
		option string
		value  int64
	}{{"cpu_reservation", s.CPUReservation}, {"cpu_limit", s.CPULimit}, {"memory_reservation", s.MemoryReservation},
		{"memory_limit", s.MemoryLimit}, {"video_ram", s.VideoRAM}} {
		if n.value < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative, not %d", n.option, n.value))
		}
	}
	if s.CPULimit > 0 && s.CPUReservation > s.CPULimit {
		errs = append(errs, fmt.Errorf("cpu_reservation %d MHz is above cpu_limit %d MHz", s.CPUReservation, s.CPULimit))
	}
	if s.MemoryLimit > 0 && s.MemoryReservation > s.MemoryLimit {
		errs = append(errs, fmt.Errorf("memory_reservation %d MB is above memory_limit %d MB", s.MemoryReservation, s.MemoryLimit))
	}
	if s.MemoryReservation > int64(hw.Memory) {
		errs = append(errs, fmt.Errorf("memory_reservation %d MB is above memory (%d MB)", s.MemoryReservation, hw.Memory))
	}
	if s.DiskProvisioning != "" {
		if err := common.OneOf("disk_provisioning", s.DiskProvisioning,
			vsdriver.ProvisionThin, vsdriver.ProvisionLazyZeroed, vsdriver.ProvisionEagerZeroed); err != nil {
			errs = append(errs, err)
		}
	}
	if s.CDROMType != "" {
		if err := common.OneOf("cdrom_type", s.CDROMType, "ide", "sata"); err != nil {
			errs = append(errs, err)
		}
	}
	for _, b := range s.bootOrder() {
		if !slices.Contains(vsdriver.BootDevices, b) {
			errs = append(errs, fmt.Errorf("boot_order entry %q is not one of %s", b, strings.Join(vsdriver.BootDevices, ", ")))
		}
	}
	if s.CreateFolder && strings.Trim(c.Folder, "/") == "" {
		errs = append(errs, fmt.Errorf("create_folder = true needs folder: the folder to create"))
	}
	if (hw.DiskControllerType == "nvme" || hw.DiskControllerType == "sata") && hw.BootMedia == "disk" {
		errs = append(errs, fmt.Errorf("disk_controller_type %q on target \"vsphere\" needs boot_media = \"iso\": "+
			"the imported disk sits on the OVF's SCSI controller", hw.DiskControllerType))
	}
	if c.DatastoreCluster != "" {
		if set["datastore"] {
			errs = append(errs, fmt.Errorf("datastore and datastore_cluster both name where the VM goes; remove one of them"))
		}
		c.Datastore = "" // not the environment's: the cluster decides
	}
	errs = append(errs, c.prepareIPWait(hw, set)...)
	errs = append(errs, c.prepareNICs(hw, set)...)
	return errs
}

// prepareIPWait checks the options that choose the IP address to wait for.
func (c *VSphereConfig) prepareIPWait(hw *common.HardwareConfig, set map[string]bool) []error {
	s := &c.StandardsConfig
	var errs []error
	for _, o := range []string{"ip_settle_timeout", "ip_wait_address", "ip_wait_network"} {
		if set[o] && !hw.WaitForIP {
			errs = append(errs, fmt.Errorf("%s needs wait_for_ip = true", o))
		}
	}
	if s.IPSettleTimeout < 0 {
		errs = append(errs, fmt.Errorf("ip_settle_timeout must not be negative, not %s", s.IPSettleTimeout))
	} else if !set["ip_settle_timeout"] {
		s.IPSettleTimeout = DefaultIPSettleTimeout
	}
	s.cidr = nil
	if s.IPWaitAddress != "" {
		_, n, err := net.ParseCIDR(s.IPWaitAddress)
		if err != nil {
			errs = append(errs, fmt.Errorf("ip_wait_address %q is not a CIDR block like 10.0.0.0/8: %w", s.IPWaitAddress, err))
		}
		s.cidr = n
	}
	if s.IPWaitNetwork != "" && len(hw.NetworkAdapters) > 0 {
		found := false
		for _, n := range hw.NetworkAdapters {
			found = found || n.Network == s.IPWaitNetwork
		}
		if !found {
			errs = append(errs, fmt.Errorf("ip_wait_network %q is the network of none of network_adapters", s.IPWaitNetwork))
		}
	}
	return errs
}

// prepareNICs checks network_adapters on vSphere: the list replaces the
// network shorthand.
func (c *VSphereConfig) prepareNICs(hw *common.HardwareConfig, set map[string]bool) []error {
	if len(hw.NetworkAdapters) > 0 && set["network"] {
		return []error{fmt.Errorf("network and network_adapters are two forms of one setting; " +
			"name each adapter's network in network_adapters and remove network")}
	}
	return nil
}

// bootOrder is boot_order as a list.
func (s *StandardsConfig) bootOrder() []string {
	var out []string
	for _, b := range strings.Split(s.BootOrder, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// hardware is the engine's form of the standards.
func (s *StandardsConfig) hardware() vsdriver.Hardware {
	return vsdriver.Hardware{
		CoresPerSocket:      s.CPUCores,
		CPUReservationMHz:   s.CPUReservation,
		CPULimitMHz:         s.CPULimit,
		MemoryReservationMB: s.MemoryReservation,
		MemoryLimitMB:       s.MemoryLimit,
		CPUHotAdd:           s.CPUHotAdd,
		MemoryHotAdd:        s.MemoryHotAdd,
		NestedHV:            s.NestedHV,
		VideoRAMKB:          s.VideoRAM,
		DiskProvisioning:    s.DiskProvisioning,
		BootOrder:           s.bootOrder(),
		CDROMType:           s.CDROMType,
	}
}

// tags is the engine's form of tags.
func (s *StandardsConfig) tags() []vsdriver.Tag {
	var out []vsdriver.Tag
	for _, t := range s.Tags {
		out = append(out, vsdriver.Tag{Category: t.Category, Name: t.Name})
	}
	return out
}

// ipWait is the engine's form of the IP wait options.
func (s *StandardsConfig) ipWait(timeout time.Duration) vsdriver.IPWait {
	return vsdriver.IPWait{Timeout: timeout, Settle: s.IPSettleTimeout, Network: s.IPWaitNetwork, CIDR: s.cidr}
}

// nics is the engine's form of network_adapters.
func nics(hw *common.HardwareConfig) []vsdriver.NIC {
	var out []vsdriver.NIC
	for _, n := range hw.NetworkAdapters {
		out = append(out, vsdriver.NIC{Network: n.Network, Adapter: n.Type, MAC: n.MACAddress, Disconnected: !common.BoolOr(n.Connected, true)})
	}
	return out
}

// nicNetworks are the networks of network_adapters the placement resolves.
func nicNetworks(hw *common.HardwareConfig) []string {
	var out []string
	for _, n := range hw.NetworkAdapters {
		if n.Network != "" {
			out = append(out, n.Network)
		}
	}
	return out
}

// prepareOVFFlags checks content_library.ovf_flags on its own.
func (c *ContentLibraryConfig) prepareOVFFlags() []error {
	var errs []error
	if len(c.OVFFlags) > 0 && !c.OVF {
		errs = append(errs, fmt.Errorf("content_library.ovf_flags needs content_library.ovf = true: a VM template item keeps the whole VM"))
	}
	for i, f := range c.OVFFlags {
		if err := common.OneOf(fmt.Sprintf("content_library.ovf_flags[%d]", i), f, OVFFlagExtraConfig, OVFFlagPreserveMAC); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// ovfFlags is content_library.ovf_flags, defaulted: EXTRA_CONFIG when the VM
// has extraConfig of the user's (guestinfo, configuration_parameters), so
// an OVF item keeps it (vSphere drops it otherwise).
func (c *ContentLibraryConfig) ovfFlags(hw *common.HardwareConfig, params map[string]string) []string {
	if !c.OVF {
		return nil
	}
	if c.OVFFlags != nil {
		return c.OVFFlags
	}
	if len(hw.GuestInfo) > 0 || len(params) > 0 {
		return []string{OVFFlagExtraConfig}
	}
	return nil
}
