// Package ovf writes the OVF descriptor of a LinuxKit VM: one virtual system
// with its CPUs, memory, one disk on one controller and one NIC. It is the
// project's only OVF writer: the vSphere import hands it to vCenter, and the
// builder's ova and ovf formats package it beside the disk (see package.go).
//
// It is pure: values in, bytes out, no I/O, no clock.
package ovf

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// NetworkName is the logical network the descriptor's NIC connects to; an
// importer maps it to one of its own networks.
const NetworkName = "lan"

// DefaultSystemType is the virtual hardware family written when
// VM.HardwareVersion is empty: hardware version 13, which every supported
// ESXi and desktop product runs.
const DefaultSystemType = "vmx-13"

// VM is the hardware a descriptor describes.
type VM struct {
	// Name is the virtual system's name.
	Name string
	// CPUs and MemoryMB are the virtual CPUs and memory in MiB.
	CPUs     int
	MemoryMB int64
	// Firmware is "bios" or "efi".
	Firmware string
	// GuestID is VMware's guest OS identifier (otherLinux64Guest).
	GuestID string
	// HardwareVersion is the virtual system type ("vmx-19"); empty writes
	// DefaultSystemType.
	HardwareVersion string
	// DiskController is "pvscsi" or "lsilogic"; empty writes a SCSI
	// controller of the importer's default type (the vSphere import, whose
	// nvme and sata controllers replace it afterwards).
	DiskController string
	// NetworkAdapter is "vmxnet3", "e1000e" or "e1000".
	NetworkAdapter string
	// DiskCapacity is the disk's virtual size in bytes; DiskFileSize the
	// size of its streamOptimized vmdk file, named DiskHref.
	DiskCapacity int64
	DiskFileSize int64
	DiskHref     string
}

// scsiTypes and nicTypes map the option values to the OVF resource subtypes.
var (
	scsiTypes = map[string]string{"pvscsi": "VirtualSCSI", "lsilogic": "lsilogic"}
	nicTypes  = map[string]string{"vmxnet3": "VmxNet3", "e1000e": "E1000e", "e1000": "E1000"}
)

// IsGuestID reports whether id looks like a VMware guest OS identifier
// (otherLinux64Guest): letters, digits, '_' and '-', not empty.
func IsGuestID(id string) bool {
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return id != ""
}

// Validate reports the first value of vm the descriptor cannot carry, naming
// the field.
func (vm VM) Validate() error {
	switch {
	case vm.CPUs < 1:
		return fmt.Errorf("ovf: CPUs %d: must be at least 1", vm.CPUs)
	case vm.MemoryMB < 1:
		return fmt.Errorf("ovf: MemoryMB %d: must be at least 1", vm.MemoryMB)
	case vm.Firmware != "bios" && vm.Firmware != "efi":
		return fmt.Errorf("ovf: Firmware %q is neither \"bios\" nor \"efi\"", vm.Firmware)
	case vm.DiskController != "" && scsiTypes[vm.DiskController] == "":
		return fmt.Errorf("ovf: DiskController %q is neither \"pvscsi\" nor \"lsilogic\"", vm.DiskController)
	case nicTypes[vm.NetworkAdapter] == "":
		return fmt.Errorf("ovf: NetworkAdapter %q is not one of \"vmxnet3\", \"e1000e\", \"e1000\"", vm.NetworkAdapter)
	case vm.DiskCapacity < 0 || vm.DiskFileSize < 0:
		return fmt.Errorf("ovf: disk capacity %d and file size %d must not be negative", vm.DiskCapacity, vm.DiskFileSize)
	case vm.DiskHref == "" || strings.ContainsAny(vm.DiskHref, "/\\"):
		return fmt.Errorf("ovf: DiskHref %q must be a file name", vm.DiskHref)
	}
	return nil
}

// Envelope returns the OVF descriptor of vm, after Validate. Every text value
// is XML-escaped; the same VM gives the same bytes.
func Envelope(vm VM) (string, error) {
	if err := vm.Validate(); err != nil {
		return "", err
	}
	esc := func(v string) string {
		var b bytes.Buffer
		_ = xml.EscapeText(&b, []byte(v))
		return b.String()
	}
	system := DefaultSystemType
	if vm.HardwareVersion != "" {
		system = vm.HardwareVersion
	}
	r := strings.NewReplacer(
		"@NAME@", esc(vm.Name), "@OSTYPE@", esc(vm.GuestID), "@SYSTEM@", esc(system),
		"@CPUS@", fmt.Sprint(vm.CPUs), "@MEMORY@", fmt.Sprint(vm.MemoryMB),
		"@SCSI@", scsiTypes[vm.DiskController], "@NIC@", nicTypes[vm.NetworkAdapter], "@NET@", NetworkName,
		"@HREF@", esc(vm.DiskHref), "@SIZE@", fmt.Sprint(vm.DiskFileSize), "@CAPACITY@", fmt.Sprint(vm.DiskCapacity),
		"@FIRMWARE@", vm.Firmware,
	)
	return r.Replace(template), nil
}

// template is the descriptor with @KEY@ placeholders Envelope fills.
const template = `<?xml version="1.0" encoding="UTF-8"?>
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
