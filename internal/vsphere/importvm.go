package vsphere

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"time"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/nfc"
	"github.com/vmware/govmomi/object"
	govmomiovf "github.com/vmware/govmomi/ovf"
	"github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	govmomivmdk "github.com/vmware/govmomi/vmdk"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/ovf"
)

// ovfDiskHref is the disk's file name inside the generated OVF; the lease's file item for
// it is matched by this name.
const ovfDiskHref = "disk.vmdk"

// ImportVM creates a VM whose boot disk is the streamOptimized vmdk at vmdkPath: it writes
// an OVF envelope for the spec (CPUs, memory, SCSI controller, the disk, a NIC on the
// target's network), has vCenter turn it into an import spec, imports it with ImportVApp
// and streams the vmdk through the NFC lease, reporting progress. The build id and the
// rest of extraConfig are part of the import spec, so the VM is tagged from its first
// moment; extra disks and the serial console are added afterwards. spec.ISO must be empty.
// On failure the VM and the datastore folder made for it are removed again (best effort; the
// error names what is left).
func (d *Driver) ImportVM(ctx context.Context, t *Target, spec VMSpec, vmdkPath string, progress ProgressFunc) (*object.VirtualMachine, error) {
	s, err := spec.normalize()
	if err != nil {
		return nil, err
	}
	if s.ISO != "" {
		return nil, fmt.Errorf("VM %q: an imported VM boots from its disk; ISO must be empty", s.Name)
	}
	if err := d.nameFree(ctx, t, s.Name); err != nil {
		return nil, err
	}
	disk, err := govmomivmdk.Stat(vmdkPath)
	if err != nil {
		if errors.Is(err, govmomivmdk.ErrInvalidFormat) {
			return nil, fmt.Errorf("import %s: %w (convert a monolithicSparse disk first)", vmdkPath, err)
		}
		return nil, fmt.Errorf("import %s: %w", vmdkPath, err)
	}
	dir, err := d.vmDirBefore(ctx, t, s.Name)
	if err != nil {
		return nil, err
	}
	vm, err := d.importVM(ctx, t, s, vmdkPath, disk, progress)
	if err != nil {
		return nil, d.undoCreate(ctx, t, s, dir, err)
	}
	return vm, nil
}

// importVM is ImportVM once the spec and the disk are checked; what it leaves on failure is
// undoCreate's.
func (d *Driver) importVM(ctx context.Context, t *Target, s VMSpec, vmdkPath string, disk *govmomivmdk.Info, progress ProgressFunc) (*object.VirtualMachine, error) {
	envelope, err := ovfEnvelope(s, disk.Capacity, disk.Size)
	if err != nil {
		return nil, fmt.Errorf("import VM %q: %w", s.Name, err)
	}
	cisp := types.OvfCreateImportSpecParams{
		EntityName:       s.Name,
		DiskProvisioning: importProvisioning(s.Hardware.DiskProvisioning),
		NetworkMapping:   []types.OvfNetworkMapping{{Name: ovf.NetworkName, Network: t.Network.Reference()}},
		OvfManagerCommonParams: types.OvfManagerCommonParams{
			Locale: "US",
		},
	}
	res, err := govmomiovf.NewManager(d.vc).CreateImportSpec(ctx, envelope, t.ResourcePool, t.Datastore, &cisp)
	if err != nil {
		return nil, fmt.Errorf("import VM %q: create import spec: %w", s.Name, err)
	}
	if len(res.Error) > 0 {
		return nil, fmt.Errorf("import VM %q: create import spec: %w", s.Name, &task.Error{LocalizedMethodFault: &res.Error[0]})
	}
	for _, w := range res.Warning {
		d.logf("vSphere: import VM %q: %s", s.Name, w.LocalizedMessage)
	}
	is, ok := res.ImportSpec.(*types.VirtualMachineImportSpec)
	if !ok {
		return nil, fmt.Errorf("import VM %q: vCenter returned a %T, not a VM import spec", s.Name, res.ImportSpec)
	}
	cs := &is.ConfigSpec
	cs.Version, cs.GuestId, cs.Firmware, cs.Annotation = s.HardwareVersion, s.GuestID, s.Firmware, s.Notes
	cs.NumCPUs, cs.MemoryMB = int32(s.CPUs), s.MemoryMB
	cs.ExtraConfig = append(cs.ExtraConfig, s.extraConfig()...)
	s.Hardware.apply(cs)

	lease, err := t.ResourcePool.ImportVApp(ctx, is, t.Folder, t.Host)
	if err != nil {
		if fault.Is(err, &types.DuplicateName{}) {
			return nil, existsError(t, s.Name)
		}
		return nil, fmt.Errorf("import VM %q: %w", s.Name, err)
	}
	info, err := lease.Wait(ctx, res.FileItem)
	if err != nil {
		abortLease(lease, err)
		if fault.Is(err, &types.DuplicateName{}) {
			return nil, existsError(t, s.Name)
		}
		return nil, fmt.Errorf("import VM %q: %w", s.Name, err)
	}
	vm := object.NewVirtualMachine(d.vc, info.Entity)
	vm.InventoryPath = path.Join(t.Folder.InventoryPath, s.Name)
	if err := d.uploadDisk(ctx, lease, info, vmdkPath, disk.Size, progress); err != nil {
		abortLease(lease, err)
		return nil, fmt.Errorf("import VM %q: %w", s.Name, err)
	}
	d.logf("vSphere: imported VM %s", vm.InventoryPath)
	if err := d.importedNICs(ctx, t, vm, s); err != nil {
		return nil, fmt.Errorf("import VM %q: %w", s.Name, err)
	}
	if err := d.finish(ctx, vm, s, s.ExtraDisks); err != nil {
		return nil, err
	}
	return vm, nil
}

// uploadDisk streams the vmdk to the lease's disk item, keeps the lease alive meanwhile,
// and completes the lease.
func (d *Driver) uploadDisk(ctx context.Context, lease *nfc.Lease, info *nfc.LeaseInfo, vmdkPath string, size int64, progress ProgressFunc) error {
	var item *nfc.FileItem
	for i := range info.Items {
		if info.Items[i].Path == ovfDiskHref {
			item = &info.Items[i]
		}
	}
	if item == nil || len(info.Items) != 1 {
		return fmt.Errorf("the NFC lease offers %d file items, none for %s", len(info.Items), ovfDiskHref)
	}
	f, err := os.Open(vmdkPath)
	if err != nil {
		return err
	}
	defer f.Close()
	updater := lease.StartUpdater(ctx, info)
	defer updater.Done()
	d.logf("vSphere: uploading %s (%d bytes) through the NFC lease", path.Base(vmdkPath), size)
	if err := lease.Upload(ctx, *item, newProgressReader(f, size, progress), soap.Upload{ContentLength: size}); err != nil {
		return fmt.Errorf("upload %s: %w", vmdkPath, err)
	}
	if err := lease.Complete(ctx); err != nil {
		return fmt.Errorf("complete the NFC lease: %w", err)
	}
	return nil
}

// abortLease tells vCenter the import failed, so it releases the lease (and, on a real
// vCenter, removes the VM). It uses its own short context: the caller's may be cancelled.
func abortLease(lease *nfc.Lease, cause error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = lease.Abort(ctx, &types.LocalizedMethodFault{
		Fault:            &types.SystemError{Reason: cause.Error()},
		LocalizedMessage: cause.Error(),
	})
}

// ovfEnvelope is the OVF descriptor of an imported VM (internal/ovf): one virtual system
// with the spec's CPUs and memory, a SCSI controller, the disk (capacity bytes, file size
// bytes) and a NIC on ovf.NetworkName. Values that are not the hardware (hardware version,
// firmware, annotation, extraConfig, an nvme or sata controller) are set on the import spec
// afterwards. s is normalized, so the writer's checks hold.
func ovfEnvelope(s VMSpec, capacity, fileSize int64) (string, error) {
	ctrl := s.DiskController
	if ctrl != "pvscsi" && ctrl != "lsilogic" {
		ctrl = ""
	}
	return ovf.Envelope(ovf.VM{
		Name: s.Name, CPUs: s.CPUs, MemoryMB: s.MemoryMB, Firmware: s.Firmware, GuestID: s.GuestID,
		HardwareVersion: s.HardwareVersion, DiskController: ctrl, NetworkAdapter: s.NetworkAdapter,
		DiskCapacity: capacity, DiskFileSize: fileSize, DiskHref: ovfDiskHref,
	})
}
