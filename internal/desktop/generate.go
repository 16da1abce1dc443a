package desktop

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Defaults used by Generate for zero Config fields. They equal the defaults
// of the post-processor's desktop options (DESIGN §3).
const (
	DefaultGuestOS         = "other5xlinux-64"
	DefaultHardwareVersion = 19
	DefaultCPUs            = 1
	DefaultMemoryMB        = 1024
	DefaultNetworkType     = "nat"
	DefaultNetworkAdapter  = "vmxnet3"
	DefaultDiskController  = "lsilogic"
)

// The defaults of an arm64 guest (Fusion on Apple silicon), where they
// differ from amd64's, as Fusion writes an arm64 Linux VM:
//
//   - guestOS "arm-other6xlinux-64", Fusion's "Other Linux 6.x kernel 64-bit
//     Arm" (LinuxKit's kernels are 6.x; packer-plugin-vmware falls back to
//     the generic "arm-other-64");
//   - an NVMe boot disk: Fusion on Apple silicon has no lsilogic or pvscsi
//     controller, and NVMe is what it gives a new Linux VM (SATA works too);
//   - an e1000e NIC: packer-plugin-vmware's Apple silicon notes name it,
//     and linuxkit's arm64 kernels build e1000e but not vmxnet3;
//   - no IDE, so the CD-ROM sits on SATA; no HPET; an xHCI USB controller,
//     the only way a keyboard reaches an arm64 guest's console window.
const (
	DefaultGuestOSArm64        = "arm-other6xlinux-64"
	DefaultDiskControllerArm64 = "nvme"
	DefaultNetworkAdapterArm64 = "e1000e"
)

// Config describes the desktop VM that Generate writes a VMX for. Each field
// maps to a post-processor option (named in the field's comment); a zero
// value takes the option's default.
type Config struct {
	Name            string // vm_name → displayName; required
	GuestOS         string // guest_os_type; default other5xlinux-64, arm64: arm-other6xlinux-64
	Arch            string // amd64 (default) or arm64
	HardwareVersion int    // hardware_version; default 19
	Firmware        string // firmware: bios (default; arm64: efi) or efi
	CPUs            int    // cpus; default 1
	MemoryMB        int    // memory in MB, a multiple of 4; default 1024
	NetworkType     string // network_type: nat (default), bridged, hostonly
	NetworkAdapter  string // network_adapter_type: vmxnet3 (default; arm64: e1000e), e1000e, e1000
	DiskController  string // disk_controller_type: lsilogic (default), pvscsi, nvme (arm64's default), sata

	// BootDisk is the boot vmdk's file name, relative to the VM folder
	// (boot_media = "disk"). Exactly one of BootDisk and ISO is set.
	BootDisk string
	// ISO is the path of the ISO to boot (boot_media = "iso").
	ISO string
	// ExtraDisks are file names of extra vmdks (disks), attached after the
	// boot disk on the same controller.
	ExtraDisks []string
	// SerialLogPath is where serial0 writes the console (serial_log_path);
	// "" means no serial port (serial_log = false).
	SerialLogPath string
	// GuestInfo is written as guestinfo.<key> (guestinfo). It is applied
	// after VMXData, so it wins for the same key. A key that already starts
	// with "guestinfo." is used as it is.
	GuestInfo map[string]string
	// Template is the vmx_template base; Generate does not modify it.
	Template *VMX
	// VMXData is applied over the generated keys (vmx_data).
	VMXData map[string]string
	// NICs are the network adapters (network_adapters); when set they replace the one
	// adapter NetworkType and NetworkAdapter describe.
	NICs []NIC
}

// identityKeys are dropped from a template: they identify the VM the
// template was saved from, and a clone that kept them would fight that VM
// over its UUID and MAC address. VMware regenerates them on first start.
var identityKeys = []string{
	"uuid.bios", "uuid.location", "vc.uuid", "checkpoint.vmState",
	"sched.swap.derivedName", "extendedConfigFile",
}

// Generate builds the VMX of a LinuxKit VM. Layers, each overriding the one
// before: the template (less its identity keys: UUIDs, generated MACs,
// suspend state), the keys Generate owns, VMXData, then GuestInfo. Every
// enum is validated with an error naming the option.
func Generate(c Config) (*VMX, error) {
	if err := c.normalize(); err != nil {
		return nil, err
	}
	v := New()
	if c.Template != nil {
		v = c.Template.Clone()
		dropIdentity(v)
	}
	ours, err := c.keys()
	if err != nil {
		return nil, err
	}
	v.Merge(ours)
	for _, k := range sortedKeys(c.VMXData) {
		if err := v.Set(k, c.VMXData[k]); err != nil {
			return nil, fmt.Errorf("vmx_data: %w", err)
		}
	}
	for _, k := range sortedKeys(c.GuestInfo) {
		key := k
		if !strings.HasPrefix(strings.ToLower(k), "guestinfo.") {
			key = "guestinfo." + k
		}
		if err := v.Set(key, c.GuestInfo[k]); err != nil {
			return nil, fmt.Errorf("guestinfo: %w", err)
		}
	}
	return v, nil
}

// normalize applies defaults and validates every field.
func (c *Config) normalize() error {
	if strings.TrimSpace(c.Name) == "" {
		return fmt.Errorf("vm_name: must not be empty")
	}
	if c.Arch == "" {
		c.Arch = "amd64"
	}
	if err := oneOf("arch", c.Arch, "amd64", "arm64"); err != nil {
		return err
	}
	if c.GuestOS == "" {
		c.GuestOS = DefaultGuestOS
		if c.Arch == "arm64" {
			c.GuestOS = DefaultGuestOSArm64
		}
	}
	if c.Firmware == "" {
		c.Firmware = "bios"
		if c.Arch == "arm64" {
			c.Firmware = "efi"
		}
	}
	if err := oneOf("firmware", c.Firmware, "bios", "efi"); err != nil {
		return err
	}
	if c.Arch == "arm64" && c.Firmware != "efi" {
		return fmt.Errorf("firmware: arm64 guests boot only with efi, not %q", c.Firmware)
	}
	setDefault(&c.HardwareVersion, DefaultHardwareVersion)
	setDefault(&c.CPUs, DefaultCPUs)
	setDefault(&c.MemoryMB, DefaultMemoryMB)
	setDefaultString(&c.NetworkType, DefaultNetworkType)
	if c.Arch == "arm64" {
		setDefaultString(&c.NetworkAdapter, DefaultNetworkAdapterArm64)
		setDefaultString(&c.DiskController, DefaultDiskControllerArm64)
	}
	setDefaultString(&c.NetworkAdapter, DefaultNetworkAdapter)
	setDefaultString(&c.DiskController, DefaultDiskController)
	if c.CPUs < 1 {
		return fmt.Errorf("cpus: must be at least 1, not %d", c.CPUs)
	}
	if c.MemoryMB < 4 || c.MemoryMB%4 != 0 {
		return fmt.Errorf("memory: VMware needs a positive multiple of 4 MB, not %d", c.MemoryMB)
	}
	if err := oneOf("network_type", c.NetworkType, "nat", "bridged", "hostonly"); err != nil {
		return err
	}
	for i, n := range c.NICs {
		if err := n.check(i); err != nil {
			return err
		}
	}
	if err := oneOf("network_adapter_type", c.NetworkAdapter, "vmxnet3", "e1000e", "e1000"); err != nil {
		return err
	}
	if err := oneOf("disk_controller_type", c.DiskController, "lsilogic", "pvscsi", "nvme", "sata"); err != nil {
		return err
	}
	if err := CheckArm64Controller(c.Arch, c.DiskController); err != nil {
		return err
	}
	if err := c.checkHardwareVersion(); err != nil {
		return err
	}
	if (c.BootDisk == "") == (c.ISO == "") {
		return fmt.Errorf("boot_media: set exactly one of the boot disk (%q) and the ISO (%q)", c.BootDisk, c.ISO)
	}
	for i, d := range c.ExtraDisks {
		if d == "" {
			return fmt.Errorf("disks: extra disk %d has an empty file name", i)
		}
	}
	return nil
}

// CheckArm64Controller refuses, for an arm64 guest, the SCSI controllers
// that VMware Fusion on Apple silicon does not have (lsilogic, pvscsi); any
// controller goes for amd64.
func CheckArm64Controller(arch, controller string) error {
	if arch == "arm64" && (controller == "lsilogic" || controller == "pvscsi") {
		return fmt.Errorf("disk_controller_type: VMware Fusion on Apple silicon has no %s controller for arm64 guests; "+
			"use %q (the default for arm64) or \"sata\"", controller, DefaultDiskControllerArm64)
	}
	return nil
}

// checkHardwareVersion enforces the minimum virtual hardware version of the
// chosen devices (vmxnet3 and pvscsi: 7, e1000e: 8, NVMe: 13).
func (c *Config) checkHardwareVersion() error {
	need, why := 7, "vmxnet3/pvscsi/lsilogic"
	if c.NetworkAdapter == "e1000e" {
		need, why = 8, "network_adapter_type e1000e"
	}
	if c.DiskController == "nvme" {
		need, why = 13, "disk_controller_type nvme"
	}
	if c.HardwareVersion < need {
		return fmt.Errorf("hardware_version: %d is too old for %s (needs %d or later)", c.HardwareVersion, why, need)
	}
	return nil
}

// keys returns the keys Generate owns, built from a normalized Config.
func (c *Config) keys() (*VMX, error) {
	v := New()
	s := &setter{v: v}
	s.set("config.version", "8")
	s.set("virtualHW.version", strconv.Itoa(c.HardwareVersion))
	s.set("displayName", c.Name)
	s.set("guestOS", c.GuestOS)
	s.set("firmware", c.Firmware)
	s.set("numvcpus", strconv.Itoa(c.CPUs))
	s.set("memsize", strconv.Itoa(c.MemoryMB))
	s.set("pciBridge0.present", "TRUE")
	for i := 4; i <= 7; i++ {
		p := "pciBridge" + strconv.Itoa(i)
		s.set(p+".present", "TRUE")
		s.set(p+".virtualDev", "pcieRootPort")
		s.set(p+".functions", "8")
	}
	s.set("vmci0.present", "TRUE")
	if c.Arch == "amd64" {
		s.set("hpet0.present", "TRUE")
	} else {
		s.set("usb_xhci.present", "TRUE")
	}
	s.set("floppy0.present", "FALSE")
	s.set("tools.syncTime", "TRUE")
	// Answer VMware's questions (such as "moved or copied?") by default,
	// so a headless start never blocks on a dialog nobody sees.
	s.set("msg.autoAnswer", "TRUE")
	c.network(s)
	if err := c.storage(s); err != nil {
		return nil, err
	}
	c.serial(s)
	if s.err != nil {
		return nil, s.err
	}
	return v, nil
}

// setter collects the first error of a run of Set calls.
type setter struct {
	v   *VMX
	err error
}

func (s *setter) set(key, value string) {
	if s.err != nil {
		return
	}
	if err := s.v.Set(key, value); err != nil {
		s.err = err
	}
}

// dropIdentity removes the template keys that identify its source VM.
func dropIdentity(v *VMX) {
	for _, k := range identityKeys {
		v.Delete(k)
	}
	for _, k := range v.Keys() {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "ethernet") &&
			(strings.HasSuffix(lk, ".generatedaddress") || strings.HasSuffix(lk, ".generatedaddressoffset")) {
			v.Delete(k)
		}
	}
}

func oneOf(option, value string, allowed ...string) error {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return fmt.Errorf("%s: unknown value %q (want one of %s)", option, value, strings.Join(allowed, ", "))
}

func setDefault(p *int, def int) {
	if *p == 0 {
		*p = def
	}
}

func setDefaultString(p *string, def string) {
	if *p == "" {
		*p = def
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
