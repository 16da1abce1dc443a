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
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
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
	// Name of the VM (at most 80 characters).
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
}

// normalize validates the spec and fills its defaults.
func (s VMSpec) normalize() (VMSpec, error) {
	bad := func(format string, args ...any) (VMSpec, error) {
		return s, fmt.Errorf("VM %q: "+format, append([]any{s.Name}, args...)...)
	}
	switch {
	case s.Name == "":
		return s, errors.New("VM: a name is required")
	case len(s.Name) > 80:
		return bad("the name is longer than 80 characters")
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
	if s.Firmware != "bios" && s.Firmware != "efi" {
		return bad("firmware must be bios or efi, not %q", s.Firmware)
	}
	if s.DiskController != "pvscsi" && s.DiskController != "lsilogic" {
		return bad("disk controller must be pvscsi or lsilogic, not %q", s.DiskController)
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

// CreateVM creates a VM in the target's folder, pool and datastore: a SCSI controller of
// the spec's type, the extra thin disks on it, a NIC on the target's network, a CD-ROM with
// the ISO (booting first) when one is given, and then the serial console file. On failure
// after the VM exists, it is destroyed again (best effort; its build id tag lets a later
// cleanup find it otherwise).
func (d *Driver) CreateVM(ctx context.Context, t *Target, spec VMSpec) (*object.VirtualMachine, error) {
	s, err := spec.normalize()
	if err != nil {
		return nil, err
	}
	if err := d.nameFree(ctx, t, s.Name); err != nil {
		return nil, err
	}
	var devices object.VirtualDeviceList
	scsi, err := devices.CreateSCSIController(s.DiskController)
	if err != nil {
		return nil, fmt.Errorf("VM %q: %w", s.Name, err)
	}
	devices = append(devices, scsi)
	devices = addDisks(devices, scsi.(types.BaseVirtualController), s.ExtraDisks)
	nic, err := d.nic(ctx, t, devices, s.NetworkAdapter)
	if err != nil {
		return nil, fmt.Errorf("VM %q: %w", s.Name, err)
	}
	devices = append(devices, nic)
	cs := types.VirtualMachineConfigSpec{
		Name:        s.Name,
		GuestId:     s.GuestID,
		NumCPUs:     int32(s.CPUs),
		MemoryMB:    s.MemoryMB,
		Annotation:  s.Notes,
		Firmware:    s.Firmware,
		Version:     s.HardwareVersion,
		Files:       &types.VirtualMachineFileInfo{VmPathName: fmt.Sprintf("[%s]", t.Datastore.Name())},
		ExtraConfig: s.extraConfig(),
	}
	if s.ISO != "" {
		ide, err := devices.CreateIDEController()
		if err != nil {
			return nil, fmt.Errorf("VM %q: %w", s.Name, err)
		}
		devices = append(devices, ide)
		cdrom, err := devices.CreateCdrom(ide.(*types.VirtualIDEController))
		if err != nil {
			return nil, fmt.Errorf("VM %q: %w", s.Name, err)
		}
		devices = append(devices, devices.InsertIso(cdrom, t.DatastorePath(s.ISO)))
		cs.BootOptions = &types.VirtualMachineBootOptions{
			BootOrder: []types.BaseVirtualMachineBootOptionsBootableDevice{&types.VirtualMachineBootOptionsBootableCdromDevice{}},
		}
	}
	if cs.DeviceChange, err = devices.ConfigSpec(types.VirtualDeviceConfigSpecOperationAdd); err != nil {
		return nil, fmt.Errorf("VM %q: %w", s.Name, err)
	}
	task, err := t.Folder.CreateVM(ctx, cs, t.ResourcePool, t.Host)
	if err == nil {
		var info *types.TaskInfo
		if info, err = task.WaitForResult(ctx, nil); err == nil {
			vm := object.NewVirtualMachine(d.vc, info.Result.(types.ManagedObjectReference))
			vm.InventoryPath = path.Join(t.Folder.InventoryPath, s.Name)
			d.logf("vSphere: created VM %s", vm.InventoryPath)
			if err := d.finish(ctx, vm, s, nil); err != nil {
				return nil, err
			}
			return vm, nil
		}
	}
	if fault.Is(err, &types.DuplicateName{}) {
		return nil, existsError(t, s.Name)
	}
	return nil, fmt.Errorf("create VM %q: %w", s.Name, err)
}

// nameFree fails with ErrExists when the target's folder already holds something called
// name. vCenter would refuse too (DuplicateName), but later and less clearly.
func (d *Driver) nameFree(ctx context.Context, t *Target, name string) error {
	vm, err := d.FindVM(ctx, t, name)
	if err != nil {
		return err
	}
	if vm != nil {
		return existsError(t, name)
	}
	return nil
}

// existsError says that name is taken in the target's folder.
func existsError(t *Target, name string) error {
	return fmt.Errorf("%s/%s already exists (set overwrite, or run packer build -force, to replace it): %w", t.Folder.InventoryPath, name, ErrExists)
}

// finish applies the configuration that needs the VM to exist (extra disks for imports,
// the serial console in the VM's own folder), destroying the VM when that fails.
func (d *Driver) finish(ctx context.Context, vm *object.VirtualMachine, s VMSpec, disks []int64) error {
	err := d.reconfigureDevices(ctx, vm, disks, s.SerialLog)
	if err == nil {
		return nil
	}
	dctx, cancel := detached(ctx)
	defer cancel()
	if derr := d.DestroyVM(dctx, vm); derr != nil {
		d.logf("vSphere: could not remove the half-made VM %s (a cleanup by build id will): %v", vm.InventoryPath, derr)
	}
	return fmt.Errorf("configure VM %q: %w", s.Name, err)
}

// reconfigureDevices adds thin disks on the VM's first SCSI controller and, with serial, a
// serial port backed by ConsoleLogName in the VM's folder.
func (d *Driver) reconfigureDevices(ctx context.Context, vm *object.VirtualMachine, disks []int64, serial bool) error {
	if len(disks) == 0 && !serial {
		return nil
	}
	var devices object.VirtualDeviceList
	var dir string
	err := d.retry(ctx, "read the VM's devices", func() error {
		var m mo.VirtualMachine
		if err := vm.Properties(ctx, vm.Reference(), []string{"config.hardware.device", "config.files.vmPathName"}, &m); err != nil {
			return err
		}
		devices, dir = m.Config.Hardware.Device, path.Dir(m.Config.Files.VmPathName)
		return nil
	})
	if err != nil {
		return err
	}
	var add []types.BaseVirtualDevice
	if len(disks) > 0 {
		c := devices.PickController((*types.VirtualSCSIController)(nil))
		if c == nil {
			return errors.New("no SCSI controller with a free slot for the extra disks")
		}
		grown := addDisks(devices, c, disks)
		add = append(add, grown[len(devices):]...)
		devices = grown
	}
	if serial {
		port, err := devices.CreateSerialPort()
		if err != nil {
			return err
		}
		var p object.DatastorePath
		if !p.FromString(dir) {
			return fmt.Errorf("VM path %q is not a datastore path", dir)
		}
		p.Path = path.Join(p.Path, ConsoleLogName)
		port = devices.ConnectSerialPort(port, p.String(), false, "")
		port.Connectable = &types.VirtualDeviceConnectInfo{StartConnected: true, AllowGuestControl: true}
		add = append(add, port)
	}
	return vm.AddDevice(ctx, add...)
}

// addDisks appends one thin, persistent disk per size to devices, on controller c.
func addDisks(devices object.VirtualDeviceList, c types.BaseVirtualController, sizes []int64) object.VirtualDeviceList {
	for _, size := range sizes {
		disk := &types.VirtualDisk{
			VirtualDevice: types.VirtualDevice{
				Key: devices.NewKey(),
				Backing: &types.VirtualDiskFlatVer2BackingInfo{
					DiskMode:        string(types.VirtualDiskModePersistent),
					ThinProvisioned: types.NewBool(true),
				},
			},
			CapacityInKB:    (size + 1023) / 1024,
			CapacityInBytes: (size + 1023) / 1024 * 1024,
		}
		devices.AssignController(disk, c)
		devices = append(devices, disk)
	}
	return devices
}

// nic creates a network adapter of the given type on the target's network.
func (d *Driver) nic(ctx context.Context, t *Target, devices object.VirtualDeviceList, adapter string) (types.BaseVirtualDevice, error) {
	if t.Network == nil {
		return nil, errors.New("no network in the target")
	}
	backing, err := t.Network.EthernetCardBackingInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("network %s: %w", t.Network.GetInventoryPath(), err)
	}
	return devices.CreateEthernetCard(adapter, backing)
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
