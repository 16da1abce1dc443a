package vsphere

import (
	"context"
	"errors"
	"fmt"
	"path"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// CreateVM creates a VM in the target's folder, pool and datastore: a SCSI controller of
// the spec's type, the extra thin disks on it, a NIC on the target's network, a CD-ROM with
// the ISO (booting first) when one is given, and then the serial console file. On failure
// the VM, and the datastore folder vCenter made for it, are removed again (best effort; its
// build id tag lets a later cleanup find the VM otherwise, and the error names what is left).
func (d *Driver) CreateVM(ctx context.Context, t *Target, spec VMSpec) (*object.VirtualMachine, error) {
	s, err := spec.normalize()
	if err != nil {
		return nil, err
	}
	if err := d.nameFree(ctx, t, s.Name); err != nil {
		return nil, err
	}
	dir, err := d.vmDirBefore(ctx, t, s.Name)
	if err != nil {
		return nil, err
	}
	vm, err := d.createVM(ctx, t, s)
	if err != nil {
		return nil, d.undoCreate(ctx, t, s, dir, err)
	}
	return vm, nil
}

// createVM is CreateVM once the spec is checked; what it leaves on failure is undoCreate's.
func (d *Driver) createVM(ctx context.Context, t *Target, s VMSpec) (*object.VirtualMachine, error) {
	var devices object.VirtualDeviceList
	ctrl, err := diskController(devices, s.DiskController)
	if err != nil {
		return nil, fmt.Errorf("VM %q: %w", s.Name, err)
	}
	devices = append(devices, ctrl)
	devices = addDisks(devices, ctrl.(types.BaseVirtualController), s.ExtraDisks, s.Hardware.DiskProvisioning)
	if devices, err = d.nics(ctx, t, devices, s); err != nil {
		return nil, fmt.Errorf("VM %q: %w", s.Name, err)
	}
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
		var cdrom *types.VirtualCdrom
		devices, cdrom, err = cdromDevice(devices, s.Hardware.CDROMType)
		if err != nil {
			return nil, fmt.Errorf("VM %q: %w", s.Name, err)
		}
		devices = append(devices, devices.InsertIso(cdrom, t.DatastorePath(s.ISO)))
		cs.BootOptions = &types.VirtualMachineBootOptions{
			BootOrder: []types.BaseVirtualMachineBootOptionsBootableDevice{&types.VirtualMachineBootOptionsBootableCdromDevice{}},
		}
	}
	s.Hardware.apply(&cs)
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
// the serial console in the VM's own folder). On failure the caller's undoCreate destroys
// the VM.
func (d *Driver) finish(ctx context.Context, vm *object.VirtualMachine, s VMSpec, disks []int64) error {
	if err := d.reconfigureDevices(ctx, vm, disks, s.SerialLog, s.Hardware.DiskProvisioning); err != nil {
		return fmt.Errorf("configure VM %q: %w", s.Name, err)
	}
	if err := d.applyDevices(ctx, vm, s.Hardware); err != nil {
		return fmt.Errorf("configure VM %q: %w", s.Name, err)
	}
	return nil
}

// reconfigureDevices adds thin disks on the VM's first SCSI controller and, with serial, a
// serial port backed by ConsoleLogName in the VM's folder.
func (d *Driver) reconfigureDevices(ctx context.Context, vm *object.VirtualMachine, disks []int64, serial bool, provisioning string) error {
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
		grown := addDisks(devices, c, disks, provisioning)
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

// addDisks appends one persistent disk per size to devices, on controller c, provisioned as
// Hardware.DiskProvisioning says (thin by default).
func addDisks(devices object.VirtualDeviceList, c types.BaseVirtualController, sizes []int64, provisioning string) object.VirtualDeviceList {
	for _, size := range sizes {
		disk := &types.VirtualDisk{
			VirtualDevice: types.VirtualDevice{
				Key:     devices.NewKey(),
				Backing: diskBacking(provisioning),
			},
			CapacityInKB:    (size + 1023) / 1024,
			CapacityInBytes: (size + 1023) / 1024 * 1024,
		}
		devices.AssignController(disk, c)
		devices = append(devices, disk)
	}
	return devices
}
