package vsphere

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/ovf"
)

// BuildIDKey is the extraConfig key every VM created here carries, with the build's id as
// its value, so CleanupByBuildID can find what one build made.
const BuildIDKey = "linuxkit.build-id"

// Defaults applied by VMSpec when a field is left zero; they match the post-processor's
// documented vSphere defaults.
const (
	// DefaultGuestID is the guest OS id of a LinuxKit VM: a generic 64-bit Linux.
	DefaultGuestID = "otherLinux64Guest"
	// DefaultCPUs is the number of virtual CPUs.
	DefaultCPUs = 1
	// DefaultMemoryMB is the memory size in MiB.
	DefaultMemoryMB = 1024
	// DefaultDiskController is the SCSI controller type; pvscsi is the fastest on vSphere.
	DefaultDiskController = "pvscsi"
	// DefaultNetAdapter is the NIC type; LinuxKit kernels carry the vmxnet3 driver.
	DefaultNetAdapter = "vmxnet3"
	// ConsoleLogName is the serial console's file, in the VM's own datastore folder.
	ConsoleLogName = "console.log"
)

// VMSpec is the hardware and configuration of a VM to create or import.
type VMSpec struct {
	// Name of the VM: a name ValidateName accepts (at most 80 characters, no '%', '/', '\',
	// control characters nor leading or trailing space).
	Name string
	// BuildID is written as extraConfig BuildIDKey; it is required.
	BuildID string
	// CPUs and MemoryMB default to 1 and 1024; memory must be a multiple of 4.
	CPUs     int
	MemoryMB int64
	// Firmware is "bios" (the default) or "efi".
	Firmware string
	// GuestID defaults to otherLinux64Guest.
	GuestID string
	// HardwareVersion is "19" or "vmx-19"; empty lets the host choose its default.
	HardwareVersion string
	// DiskController is "pvscsi" (the default) or "lsilogic".
	DiskController string
	// NetworkAdapter is "vmxnet3" (the default), "e1000e" or "e1000"; the NIC is on the
	// target's network.
	NetworkAdapter string
	// ISO is a datastore path ("[ds] linuxkit/x.iso", or relative to the target's
	// datastore) inserted in a CD-ROM that boots first. CreateVM only.
	ISO string
	// ExtraDisks are the sizes in bytes of empty, thin, persistent disks to add.
	ExtraDisks []int64
	// Notes is the VM's annotation.
	Notes string
	// ExtraConfig is written as extraConfig (configuration_parameters).
	ExtraConfig map[string]string
	// GuestInfo is written as extraConfig guestinfo.<key>; it wins over ExtraConfig.
	GuestInfo map[string]string
	// SerialLog adds a serial port writing to ConsoleLogName in the VM's folder.
	SerialLog bool
	// Hardware holds the configuration standards (CPU topology, allocations, provisioning,
	// boot order, CD-ROM bus); its zero value keeps vSphere's defaults.
	Hardware Hardware
	// NICs are the VM's network adapters when it has several (or one with a fixed MAC);
	// empty gives one NetworkAdapter on the target's network. An imported VM's first NIC
	// has NetworkAdapter's type (the OVF's adapter).
	NICs []NIC
}

// normalize validates the spec and fills its defaults.
func (s VMSpec) normalize() (VMSpec, error) {
	bad := func(format string, args ...any) (VMSpec, error) {
		return s, fmt.Errorf("VM %q: "+format, append([]any{s.Name}, args...)...)
	}
	if s.Name == "" {
		return s, errors.New("VM: a name is required")
	}
	if err := ValidateName("vm_name", s.Name); err != nil {
		return s, err
	}
	switch {
	case s.BuildID == "":
		return bad("a build id is required (extraConfig %s)", BuildIDKey)
	case s.CPUs < 0:
		return bad("cpus must be positive, not %d", s.CPUs)
	case s.MemoryMB < 0 || s.MemoryMB%4 != 0:
		return bad("memory must be a positive multiple of 4 MB, not %d", s.MemoryMB)
	}
	s.CPUs = cmpOr(s.CPUs, DefaultCPUs)
	s.MemoryMB = cmpOr(s.MemoryMB, DefaultMemoryMB)
	s.GuestID = cmpOr(s.GuestID, DefaultGuestID)
	s.Firmware = cmpOr(s.Firmware, string(types.GuestOsDescriptorFirmwareTypeBios))
	s.DiskController = cmpOr(s.DiskController, DefaultDiskController)
	s.NetworkAdapter = cmpOr(s.NetworkAdapter, DefaultNetAdapter)
	if !ovf.IsGuestID(s.GuestID) {
		return bad("guest id %q may contain only letters, digits, '_' and '-'", s.GuestID)
	}
	if s.Firmware != "bios" && s.Firmware != "efi" {
		return bad("firmware must be bios or efi, not %q", s.Firmware)
	}
	switch s.DiskController {
	case "pvscsi", "lsilogic", "nvme", "sata":
	default:
		return bad("disk controller must be pvscsi, lsilogic, nvme or sata, not %q", s.DiskController)
	}
	if err := s.Hardware.check(s.CPUs); err != nil {
		return bad("%w", err)
	}
	for i, n := range s.NICs {
		if err := n.check(); err != nil {
			return bad("NIC %d: %w", i+1, err)
		}
	}
	switch s.NetworkAdapter {
	case "vmxnet3", "e1000e", "e1000":
	default:
		return bad("network adapter must be vmxnet3, e1000e or e1000, not %q", s.NetworkAdapter)
	}
	if s.HardwareVersion != "" {
		v, err := types.ParseHardwareVersion(s.HardwareVersion)
		if err != nil || !v.IsValid() {
			return bad("hardware version %q is not a number like 19 or vmx-19", s.HardwareVersion)
		}
		s.HardwareVersion = v.String()
	}
	for i, n := range s.ExtraDisks {
		if n <= 0 {
			return bad("disk %d: size must be positive, not %d", i+1, n)
		}
	}
	for k := range s.ExtraConfig {
		if k == "" || strings.ContainsAny(k, " \t\r\n=\"") {
			return bad("extraConfig key %q is not valid", k)
		}
	}
	for k := range s.GuestInfo {
		if k == "" || strings.ContainsAny(k, " \t\r\n=\"") {
			return bad("guestinfo key %q is not valid", k)
		}
	}
	return s, nil
}

// cmpOr returns v, or def when v is the zero value.
func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// extraConfig merges ExtraConfig, GuestInfo (winning) and the build id (always last), sorted
// by key so the same spec always sends the same list.
func (s VMSpec) extraConfig() []types.BaseOptionValue {
	m := map[string]string{}
	for k, v := range s.ExtraConfig {
		m[k] = v
	}
	for k, v := range s.GuestInfo {
		m["guestinfo."+k] = v
	}
	m[BuildIDKey] = s.BuildID
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]types.BaseOptionValue, len(keys))
	for i, k := range keys {
		out[i] = &types.OptionValue{Key: k, Value: m[k]}
	}
	return out
}

// FindVM returns the VM or template called name in the target's folder, or nil (and no
// error) when there is none.
func (d *Driver) FindVM(ctx context.Context, t *Target, name string) (*object.VirtualMachine, error) {
	var ref object.Reference
	err := d.retry(ctx, "find VM", func() (err error) {
		ref, err = object.NewSearchIndex(d.vc).FindChild(ctx, t.Folder, name)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find %q in %s: %w", name, t.Folder.InventoryPath, err)
	}
	if ref == nil {
		return nil, nil
	}
	vm, ok := ref.(*object.VirtualMachine)
	if !ok {
		return nil, fmt.Errorf("%s/%s is a %s, not a VM: %w", t.Folder.InventoryPath, name, ref.Reference().Type, ErrExists)
	}
	vm.InventoryPath = path.Join(t.Folder.InventoryPath, name)
	return vm, nil
}

// ClearName makes sure no VM or template called name is in the target's folder. Without
// overwrite an existing one is an error (ErrExists); with it, it is destroyed. Steps call
// it before creating anything, so a name clash fails early.
func (d *Driver) ClearName(ctx context.Context, t *Target, name string, overwrite bool) error {
	vm, err := d.FindVM(ctx, t, name)
	if err != nil || vm == nil {
		return err
	}
	if !overwrite {
		return existsError(t, name)
	}
	d.logf("vSphere: overwrite: destroying the existing %s", vm.InventoryPath)
	return d.DestroyVM(ctx, vm)
}

// DestroyVM powers the VM off when it runs, then destroys it with its disks. A VM that is
// already gone is not an error, so it is safe to call again (and it is retried on
// transient faults).
func (d *Driver) DestroyVM(ctx context.Context, vm *object.VirtualMachine) error {
	name := vmName(vm)
	if err := d.PowerOff(ctx, vm); err != nil {
		if isGone(err) {
			return nil
		}
		return err
	}
	err := d.retry(ctx, "destroy "+name, func() error {
		task, err := vm.Destroy(ctx)
		if err != nil {
			return err
		}
		return task.Wait(ctx)
	})
	if err != nil && !isGone(err) {
		return fmt.Errorf("destroy %s: %w", name, err)
	}
	d.logf("vSphere: destroyed %s", name)
	return nil
}

// detached returns a context for undoing work after a failure: it survives the caller's
// cancellation (the usual cause of the failure) but gives up after two minutes.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
}

// isGone reports whether err says the managed object no longer exists.
func isGone(err error) bool {
	return fault.Is(err, &types.ManagedObjectNotFound{})
}
