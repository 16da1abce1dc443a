package vsphere

import (
	"context"
	"fmt"
	"slices"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// The disk provisioning kinds Hardware.DiskProvisioning takes, as packer-plugin-vsphere and
// the vSphere client name them.
const (
	ProvisionThin        = "thin"
	ProvisionLazyZeroed  = "lazy-zeroed"
	ProvisionEagerZeroed = "eager-zeroed"
)

// BootDevices are the device kinds Hardware.BootOrder lists, in govmomi's spelling.
var BootDevices = []string{"disk", "cdrom", "ethernet", "floppy"}

// Hardware is the part of a VM's configuration platform teams set as standards: the CPU
// topology, resource reservations and limits, hot-add, nested virtualization, video memory,
// how disks are provisioned, the boot order and the CD-ROM's bus. Zero values leave vSphere's
// defaults.
type Hardware struct {
	// CoresPerSocket is the number of cores per virtual socket; it must divide the CPUs.
	CoresPerSocket int
	// CPUReservationMHz and CPULimitMHz are the CPU allocation (0: none, unlimited).
	CPUReservationMHz, CPULimitMHz int64
	// MemoryReservationMB and MemoryLimitMB are the memory allocation (0: none, unlimited).
	MemoryReservationMB, MemoryLimitMB int64
	// CPUHotAdd, MemoryHotAdd and NestedHV turn those features on.
	CPUHotAdd, MemoryHotAdd, NestedHV bool
	// VideoRAMKB is the video card's memory in KiB (0: the host's default).
	VideoRAMKB int64
	// DiskProvisioning is ProvisionThin (the default), ProvisionLazyZeroed or
	// ProvisionEagerZeroed, for every disk the VM gets.
	DiskProvisioning string
	// BootOrder lists BootDevices in boot order; empty boots the ISO first when there is one.
	BootOrder []string
	// CDROMType is the CD-ROM's controller, "ide" (the default) or "sata".
	CDROMType string
}

// check validates the hardware against the VM's CPU count.
func (h Hardware) check(cpus int) error {
	switch {
	case h.CoresPerSocket < 0 || (h.CoresPerSocket > 0 && cpus%h.CoresPerSocket != 0):
		return fmt.Errorf("cores per socket %d must divide the %d CPUs", h.CoresPerSocket, cpus)
	case h.CPUReservationMHz < 0 || h.CPULimitMHz < 0 || h.MemoryReservationMB < 0 || h.MemoryLimitMB < 0 || h.VideoRAMKB < 0:
		return fmt.Errorf("reservations, limits and video memory must not be negative")
	case h.CPULimitMHz > 0 && h.CPUReservationMHz > h.CPULimitMHz:
		return fmt.Errorf("CPU reservation %d MHz is above the limit %d MHz", h.CPUReservationMHz, h.CPULimitMHz)
	case h.MemoryLimitMB > 0 && h.MemoryReservationMB > h.MemoryLimitMB:
		return fmt.Errorf("memory reservation %d MB is above the limit %d MB", h.MemoryReservationMB, h.MemoryLimitMB)
	}
	switch h.DiskProvisioning {
	case "", ProvisionThin, ProvisionLazyZeroed, ProvisionEagerZeroed:
	default:
		return fmt.Errorf("disk provisioning %q is not thin, lazy-zeroed or eager-zeroed", h.DiskProvisioning)
	}
	for _, b := range h.BootOrder {
		if !slices.Contains(BootDevices, b) {
			return fmt.Errorf("boot order entry %q is not one of %v", b, BootDevices)
		}
	}
	if h.CDROMType != "" && h.CDROMType != "ide" && h.CDROMType != "sata" {
		return fmt.Errorf("CD-ROM type %q is not ide or sata", h.CDROMType)
	}
	return nil
}

// apply writes the settings that live in the configuration itself into cs, and provisions
// the disks cs adds (an import spec's) as DiskProvisioning says.
func (h Hardware) apply(cs *types.VirtualMachineConfigSpec) {
	if h.DiskProvisioning != "" {
		for _, c := range cs.DeviceChange {
			spec := c.GetVirtualDeviceConfigSpec()
			if disk, ok := spec.Device.(*types.VirtualDisk); ok && spec.Operation == types.VirtualDeviceConfigSpecOperationAdd {
				if b, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo); ok {
					p := diskBacking(h.DiskProvisioning)
					b.ThinProvisioned, b.EagerlyScrub = p.ThinProvisioned, p.EagerlyScrub
				}
			}
		}
	}
	if h.CoresPerSocket > 0 {
		cs.NumCoresPerSocket = types.NewInt32(int32(h.CoresPerSocket))
	}
	if a := allocation(h.CPUReservationMHz, h.CPULimitMHz); a != nil {
		cs.CpuAllocation = a
	}
	if a := allocation(h.MemoryReservationMB, h.MemoryLimitMB); a != nil {
		cs.MemoryAllocation = a
	}
	for _, f := range []struct {
		on  bool
		dst **bool
	}{{h.CPUHotAdd, &cs.CpuHotAddEnabled}, {h.MemoryHotAdd, &cs.MemoryHotAddEnabled}, {h.NestedHV, &cs.NestedHVEnabled}} {
		if f.on {
			*f.dst = types.NewBool(true)
		}
	}
}

// allocation is a resource allocation with the reservation and the limit set, or nil when
// both are zero (vSphere's defaults: no reservation, unlimited).
func allocation(reservation, limit int64) *types.ResourceAllocationInfo {
	if reservation == 0 && limit == 0 {
		return nil
	}
	a := &types.ResourceAllocationInfo{Reservation: types.NewInt64(reservation), Limit: types.NewInt64(-1)}
	if limit > 0 {
		a.Limit = types.NewInt64(limit)
	}
	return a
}

// diskBacking is a new persistent disk's backing for the provisioning kind.
func diskBacking(provisioning string) *types.VirtualDiskFlatVer2BackingInfo {
	b := &types.VirtualDiskFlatVer2BackingInfo{DiskMode: string(types.VirtualDiskModePersistent)}
	switch provisioning {
	case ProvisionEagerZeroed:
		b.ThinProvisioned, b.EagerlyScrub = types.NewBool(false), types.NewBool(true)
	case ProvisionLazyZeroed:
		b.ThinProvisioned, b.EagerlyScrub = types.NewBool(false), types.NewBool(false)
	default:
		b.ThinProvisioned = types.NewBool(true)
	}
	return b
}

// importProvisioning is the OVF import's disk provisioning for the kind.
func importProvisioning(provisioning string) string {
	switch provisioning {
	case ProvisionEagerZeroed:
		return string(types.OvfCreateImportSpecParamsDiskProvisioningTypeEagerZeroedThick)
	case ProvisionLazyZeroed:
		return string(types.OvfCreateImportSpecParamsDiskProvisioningTypeThick)
	}
	return string(types.OvfCreateImportSpecParamsDiskProvisioningTypeThin)
}

// diskController creates the VM's disk controller: a SCSI one ("pvscsi", "lsilogic"), or
// "nvme" or "sata".
func diskController(devices object.VirtualDeviceList, kind string) (types.BaseVirtualDevice, error) {
	switch kind {
	case "nvme":
		return devices.CreateNVMEController()
	case "sata":
		return devices.CreateSATAController()
	}
	return devices.CreateSCSIController(kind)
}

// cdromDevice adds the CD-ROM's controller of the kind ("ide" or "sata"; "" is ide) to
// devices, and returns the CD-ROM on it, not yet in the list.
func cdromDevice(devices object.VirtualDeviceList, kind string) (object.VirtualDeviceList, *types.VirtualCdrom, error) {
	if kind == "sata" {
		if c := devices.PickController((*types.VirtualAHCIController)(nil)); c != nil {
			cd, err := devices.CreateCdrom(c)
			return devices, cd, err
		}
		ctrl, err := devices.CreateSATAController()
		if err != nil {
			return nil, nil, err
		}
		devices = append(devices, ctrl)
		cd, err := devices.CreateCdrom(ctrl.(types.BaseVirtualController))
		return devices, cd, err
	}
	ide, err := devices.CreateIDEController()
	if err != nil {
		return nil, nil, err
	}
	devices = append(devices, ide)
	cd, err := devices.CreateCdrom(ide.(*types.VirtualIDEController))
	return devices, cd, err
}

// applyDevices sets what needs the VM's devices to exist: the video card's memory and the
// boot order (whose entries name device keys). It does nothing when neither is set.
func (d *Driver) applyDevices(ctx context.Context, vm *object.VirtualMachine, h Hardware) error {
	if h.VideoRAMKB == 0 && len(h.BootOrder) == 0 {
		return nil
	}
	devices, err := d.devices(ctx, vm)
	if err != nil {
		return err
	}
	cs := types.VirtualMachineConfigSpec{}
	if h.VideoRAMKB > 0 {
		op := types.VirtualDeviceConfigSpecOperationEdit
		var card *types.VirtualMachineVideoCard
		if found := devices.SelectByType((*types.VirtualMachineVideoCard)(nil)); len(found) > 0 {
			card = found[0].(*types.VirtualMachineVideoCard)
		} else {
			card, op = &types.VirtualMachineVideoCard{VirtualDevice: types.VirtualDevice{Key: devices.NewKey()}}, types.VirtualDeviceConfigSpecOperationAdd
		}
		card.VideoRamSizeInKB = h.VideoRAMKB
		card.UseAutoDetect = types.NewBool(false)
		cs.DeviceChange = append(cs.DeviceChange, &types.VirtualDeviceConfigSpec{Operation: op, Device: card})
	}
	if len(h.BootOrder) > 0 {
		cs.BootOptions = &types.VirtualMachineBootOptions{BootOrder: devices.BootOrder(h.BootOrder)}
	}
	return d.retry(ctx, "reconfigure "+vmName(vm), func() error {
		task, err := vm.Reconfigure(ctx, cs)
		if err != nil {
			return err
		}
		return task.Wait(ctx)
	})
}

// devices reads the VM's device list, with the driver's retries.
func (d *Driver) devices(ctx context.Context, vm *object.VirtualMachine) (object.VirtualDeviceList, error) {
	var m mo.VirtualMachine
	err := d.retry(ctx, "read the VM's devices", func() error {
		return vm.Properties(ctx, vm.Reference(), []string{"config.hardware.device"}, &m)
	})
	if err != nil {
		return nil, err
	}
	return object.VirtualDeviceList(m.Config.Hardware.Device), nil
}
