package vsphere

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/nfc"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/ovf"
	"github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	govmomivmdk "github.com/vmware/govmomi/vmdk"
)

// ovfDiskHref is the disk's file name inside the generated OVF; the lease's file item for
// it is matched by this name.
const ovfDiskHref = "disk.vmdk"

// ovfNetworkName is the logical network the OVF's NIC connects to, mapped to the target's.
const ovfNetworkName = "lan"

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
	envelope := ovfEnvelope(s, disk.Capacity, disk.Size)
	cisp := types.OvfCreateImportSpecParams{
		EntityName:       s.Name,
		DiskProvisioning: importProvisioning(s.Hardware.DiskProvisioning),
		NetworkMapping:   []types.OvfNetworkMapping{{Name: ovfNetworkName, Network: t.Network.Reference()}},
		OvfManagerCommonParams: types.OvfManagerCommonParams{
			Locale: "US",
		},
	}
	res, err := ovf.NewManager(d.vc).CreateImportSpec(ctx, envelope, t.ResourcePool, t.Datastore, &cisp)
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

// ovfEnvelope writes the OVF descriptor for an imported VM: one virtual system with the
// spec's CPUs and memory, a SCSI controller, the disk (capacity bytes, file size bytes) and
// a NIC on ovfNetworkName. Values that are not the hardware (hardware version, firmware,
// annotation, extraConfig) are set on the import spec afterwards.
func ovfEnvelope(s VMSpec, capacity, fileSize int64) string {
	esc := func(v string) string {
		var b bytes.Buffer
		_ = xml.EscapeText(&b, []byte(v))
		return b.String()
	}
	scsi := map[string]string{"pvscsi": "VirtualSCSI", "lsilogic": "lsilogic"}[s.DiskController]
	nic := map[string]string{"vmxnet3": "VmxNet3", "e1000e": "E1000e", "e1000": "E1000"}[s.NetworkAdapter]
	system := "vmx-13"
	if s.HardwareVersion != "" {
		system = s.HardwareVersion
	}
	r := strings.NewReplacer(
		"@NAME@", esc(s.Name), "@OSTYPE@", esc(s.GuestID), "@SYSTEM@", system,
		"@CPUS@", fmt.Sprint(s.CPUs), "@MEMORY@", fmt.Sprint(s.MemoryMB),
		"@SCSI@", scsi, "@NIC@", nic, "@NET@", ovfNetworkName, "@HREF@", ovfDiskHref,
		"@SIZE@", fmt.Sprint(fileSize), "@CAPACITY@", fmt.Sprint(capacity), "@FIRMWARE@", s.Firmware,
	)
	return r.Replace(ovfTemplate)
}

const ovfTemplate = `<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:cim="http://schemas.dmtf.org/wbem/wscim/1/common" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vmw="http://www.vmware.com/schema/ovf" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <References>
    <File ovf:href="@HREF@" ovf:id="file1" ovf:size="@SIZE@"/>
  </References>
  <DiskSection>
    <Info>Virtual disk information</Info>
    <Disk ovf:capacity="@CAPACITY@" ovf:capacityAllocationUnits="byte" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
  </DiskSection>
  <NetworkSection>
    <Info>The logical networks</Info>
    <Network ovf:name="@NET@">
      <Description>The network the VM connects to</Description>
    </Network>
  </NetworkSection>
  <VirtualSystem ovf:id="linuxkit">
    <Info>A LinuxKit virtual machine</Info>
    <Name>@NAME@</Name>
    <OperatingSystemSection ovf:id="101" vmw:osType="@OSTYPE@">
      <Info>The guest operating system</Info>
    </OperatingSystemSection>
    <VirtualHardwareSection>
      <Info>Virtual hardware requirements</Info>
      <System>
        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>
        <vssd:InstanceID>0</vssd:InstanceID>
        <vssd:VirtualSystemIdentifier>@NAME@</vssd:VirtualSystemIdentifier>
        <vssd:VirtualSystemType>@SYSTEM@</vssd:VirtualSystemType>
      </System>
      <Item>
        <rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits>
        <rasd:Description>Number of Virtual CPUs</rasd:Description>
        <rasd:ElementName>@CPUS@ virtual CPU(s)</rasd:ElementName>
        <rasd:InstanceID>1</rasd:InstanceID>
        <rasd:ResourceType>3</rasd:ResourceType>
        <rasd:VirtualQuantity>@CPUS@</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>
        <rasd:Description>Memory Size</rasd:Description>
        <rasd:ElementName>@MEMORY@MB of memory</rasd:ElementName>
        <rasd:InstanceID>2</rasd:InstanceID>
        <rasd:ResourceType>4</rasd:ResourceType>
        <rasd:VirtualQuantity>@MEMORY@</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:Address>0</rasd:Address>
        <rasd:Description>SCSI Controller</rasd:Description>
        <rasd:ElementName>SCSI Controller 0</rasd:ElementName>
        <rasd:InstanceID>3</rasd:InstanceID>
        <rasd:ResourceSubType>@SCSI@</rasd:ResourceSubType>
        <rasd:ResourceType>6</rasd:ResourceType>
      </Item>
      <Item>
        <rasd:AddressOnParent>0</rasd:AddressOnParent>
        <rasd:ElementName>Hard Disk 1</rasd:ElementName>
        <rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource>
        <rasd:InstanceID>4</rasd:InstanceID>
        <rasd:Parent>3</rasd:Parent>
        <rasd:ResourceType>17</rasd:ResourceType>
      </Item>
      <Item>
        <rasd:AddressOnParent>7</rasd:AddressOnParent>
        <rasd:AutomaticAllocation>true</rasd:AutomaticAllocation>
        <rasd:Connection>@NET@</rasd:Connection>
        <rasd:Description>@NIC@ ethernet adapter on "@NET@"</rasd:Description>
        <rasd:ElementName>Network adapter 1</rasd:ElementName>
        <rasd:InstanceID>5</rasd:InstanceID>
        <rasd:ResourceSubType>@NIC@</rasd:ResourceSubType>
        <rasd:ResourceType>10</rasd:ResourceType>
      </Item>
      <vmw:Config ovf:required="false" vmw:key="firmware" vmw:value="@FIRMWARE@"/>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
`
