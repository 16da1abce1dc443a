package vsphere

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"
)

func TestCreateVMDevices(t *testing.T) {
	s := sharedSim(t)
	d, tg := s.target(t)
	ctx := context.Background()
	iso, _ := writeFile(t, "lk.iso", 64<<10, 3)
	if err := d.UploadFile(ctx, tg, iso, "linuxkit/lk-abc.iso", nil); err != nil {
		t.Fatal(err)
	}
	spec := VMSpec{
		Name:        "lk-vm",
		BuildID:     "build-1",
		CPUs:        2,
		MemoryMB:    512,
		Firmware:    "efi",
		ISO:         "linuxkit/lk-abc.iso",
		ExtraDisks:  []int64{10 << 30},
		Notes:       "made by a test",
		ExtraConfig: map[string]string{"a.b": "1", "guestinfo.metadata": "from-params"},
		GuestInfo:   map[string]string{"metadata": "e30=", "metadata.encoding": "base64"},
		SerialLog:   true,
	}
	vm, err := d.CreateVM(ctx, tg, spec)
	if err != nil {
		t.Fatalf("CreateVM: %v", err)
	}
	m := vmProps(t, d, vm, "config")
	c := m.Config
	if c.Name != "lk-vm" || c.Hardware.NumCPU != 2 || c.Hardware.MemoryMB != 512 || c.Firmware != "efi" ||
		c.GuestId != DefaultGuestID || c.Annotation != "made by a test" {
		t.Errorf("config: name %q cpus %d memory %d firmware %q guest %q notes %q",
			c.Name, c.Hardware.NumCPU, c.Hardware.MemoryMB, c.Firmware, c.GuestId, c.Annotation)
	}
	if c.BootOptions == nil || len(c.BootOptions.BootOrder) == 0 {
		t.Error("no boot order")
	} else if _, ok := c.BootOptions.BootOrder[0].(*types.VirtualMachineBootOptionsBootableCdromDevice); !ok {
		t.Errorf("boot order starts with %T, want the CD-ROM", c.BootOptions.BootOrder[0])
	}

	devices := object.VirtualDeviceList(c.Hardware.Device)
	// CD-ROM with the ISO.
	cds := devices.SelectByType((*types.VirtualCdrom)(nil))
	if len(cds) != 1 {
		t.Fatalf("%d CD-ROMs", len(cds))
	}
	if b, ok := cds[0].GetVirtualDevice().Backing.(*types.VirtualCdromIsoBackingInfo); !ok || b.FileName != "[LocalDS_0] linuxkit/lk-abc.iso" {
		t.Errorf("CD-ROM backing %#v", cds[0].GetVirtualDevice().Backing)
	}
	// pvscsi controller carrying the thin 10G disk.
	pv := devices.SelectByType((*types.ParaVirtualSCSIController)(nil))
	if len(pv) != 1 {
		t.Fatalf("%d pvscsi controllers", len(pv))
	}
	disks := devices.SelectByType((*types.VirtualDisk)(nil))
	if len(disks) != 1 {
		t.Fatalf("%d disks", len(disks))
	}
	disk := disks[0].(*types.VirtualDisk)
	b, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
	if disk.CapacityInKB != 10<<20 || disk.ControllerKey != pv[0].GetVirtualDevice().Key || !ok ||
		b.ThinProvisioned == nil || !*b.ThinProvisioned || b.DiskMode != "persistent" {
		t.Errorf("disk: %d KB on controller %d, backing %#v", disk.CapacityInKB, disk.ControllerKey, disk.Backing)
	}
	// vmxnet3 on "VM Network".
	nics := devices.SelectByType((*types.VirtualVmxnet3)(nil))
	if len(nics) != 1 {
		t.Fatalf("%d vmxnet3 NICs", len(nics))
	}
	if nb, ok := nics[0].GetVirtualDevice().Backing.(*types.VirtualEthernetCardNetworkBackingInfo); !ok || nb.DeviceName != "VM Network" {
		t.Errorf("NIC backing %#v", nics[0].GetVirtualDevice().Backing)
	}
	// Serial port writing to console.log in the VM's folder.
	ports := devices.SelectByType((*types.VirtualSerialPort)(nil))
	if len(ports) != 1 {
		t.Fatalf("%d serial ports", len(ports))
	}
	if sb, ok := ports[0].GetVirtualDevice().Backing.(*types.VirtualSerialPortFileBackingInfo); !ok || sb.FileName != "[LocalDS_0] lk-vm/console.log" {
		t.Errorf("serial backing %#v", ports[0].GetVirtualDevice().Backing)
	}
	// extraConfig: parameters, guestinfo (winning), build id.
	for k, want := range map[string]string{
		"a.b": "1", "guestinfo.metadata": "e30=", "guestinfo.metadata.encoding": "base64", BuildIDKey: "build-1",
	} {
		if got := extraConfigValue(c.ExtraConfig, k); got != want {
			t.Errorf("extraConfig %s = %q, want %q", k, got, want)
		}
	}

	info, err := d.Describe(ctx, vm)
	if err != nil {
		t.Fatal(err)
	}
	if info.InventoryPath != "/DC0/vm/lk-vm" || info.BuildID != "build-1" || info.ConsoleLog != "[LocalDS_0] lk-vm/console.log" ||
		info.UUID == "" || info.Template || info.PowerState != types.VirtualMachinePowerStatePoweredOff {
		t.Errorf("Describe: %+v", info)
	}

	// The name is taken now.
	if _, err := d.CreateVM(ctx, tg, spec); !errors.Is(err, ErrExists) {
		t.Errorf("second CreateVM: %v, want ErrExists", err)
	}
	if err := d.ClearName(ctx, tg, "lk-vm", false); !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "overwrite") {
		t.Errorf("ClearName without overwrite: %v", err)
	}
	if err := d.ClearName(ctx, tg, "lk-vm", true); err != nil {
		t.Fatalf("ClearName with overwrite: %v", err)
	}
	if got, err := d.FindVM(ctx, tg, "lk-vm"); got != nil || err != nil {
		t.Errorf("FindVM after overwrite: %v, %v", got, err)
	}
	if err := d.ClearName(ctx, tg, "lk-vm", false); err != nil {
		t.Errorf("ClearName of a free name: %v", err)
	}
}

func TestCreateVMMinimal(t *testing.T) {
	s := sharedSim(t)
	d, tg := s.target(t)
	ctx := context.Background()
	spec := minimalSpec("plain", "b")
	spec.DiskController, spec.NetworkAdapter, spec.HardwareVersion = "lsilogic", "e1000e", "17"
	vm, err := d.CreateVM(ctx, tg, spec)
	if err != nil {
		t.Fatal(err)
	}
	c := vmProps(t, d, vm, "config").Config
	devices := object.VirtualDeviceList(c.Hardware.Device)
	if len(devices.SelectByType((*types.VirtualLsiLogicController)(nil))) != 1 || len(devices.SelectByType((*types.VirtualE1000e)(nil))) != 1 {
		t.Errorf("devices: %v", devices)
	}
	if len(devices.SelectByType((*types.VirtualCdrom)(nil))) != 0 || len(devices.SelectByType((*types.VirtualSerialPort)(nil))) != 0 ||
		len(devices.SelectByType((*types.VirtualDisk)(nil))) != 0 {
		t.Errorf("unexpected devices: %v", devices)
	}
	if c.Version != "vmx-17" || c.Hardware.NumCPU != 1 || c.Hardware.MemoryMB != 1024 || c.Firmware != "bios" {
		t.Errorf("defaults: version %q cpus %d memory %d firmware %q", c.Version, c.Hardware.NumCPU, c.Hardware.MemoryMB, c.Firmware)
	}
	if vm, err := d.FindVM(ctx, tg, "plain"); err != nil || vm == nil || vm.InventoryPath != "/DC0/vm/plain" {
		t.Errorf("FindVM: %v, %v", vm, err)
	}
}

func TestVMSpecValidation(t *testing.T) {
	for _, tc := range []struct {
		spec VMSpec
		want string
	}{
		{VMSpec{BuildID: "b"}, "a name is required"},
		{VMSpec{Name: "x"}, "a build id is required"},
		{VMSpec{Name: strings.Repeat("n", 81), BuildID: "b"}, "longer than 80"},
		{VMSpec{Name: "x", BuildID: "b", CPUs: -1}, "cpus"},
		{VMSpec{Name: "x", BuildID: "b", MemoryMB: 1023}, "multiple of 4"},
		{VMSpec{Name: "x", BuildID: "b", Firmware: "uefi"}, "firmware"},
		{VMSpec{Name: "x", BuildID: "b", DiskController: "ide"}, "disk controller"},
		{VMSpec{Name: "x", BuildID: "b", CPUs: 3, Hardware: Hardware{CoresPerSocket: 2}}, "cores per socket 2 must divide the 3 CPUs"},
		{VMSpec{Name: "x", BuildID: "b", Hardware: Hardware{CPUReservationMHz: 2000, CPULimitMHz: 1000}}, "above the limit"},
		{VMSpec{Name: "x", BuildID: "b", Hardware: Hardware{MemoryReservationMB: -1}}, "negative"},
		{VMSpec{Name: "x", BuildID: "b", Hardware: Hardware{DiskProvisioning: "thick"}}, "disk provisioning"},
		{VMSpec{Name: "x", BuildID: "b", Hardware: Hardware{BootOrder: []string{"net"}}}, "boot order"},
		{VMSpec{Name: "x", BuildID: "b", Hardware: Hardware{CDROMType: "scsi"}}, "CD-ROM type"},
		{VMSpec{Name: "x", BuildID: "b", NICs: []NIC{{MAC: "00:50:56"}}}, "NIC 1: MAC address"},
		{VMSpec{Name: "x", BuildID: "b", NICs: []NIC{{}, {Adapter: "vlance"}}}, "NIC 2: network adapter"},
		{VMSpec{Name: "x", BuildID: "b", NetworkAdapter: "vlance"}, "network adapter"},
		{VMSpec{Name: "x", BuildID: "b", HardwareVersion: "new"}, "hardware version"},
		{VMSpec{Name: "x", BuildID: "b", ExtraDisks: []int64{0}}, "disk 1"},
		{VMSpec{Name: "x", BuildID: "b", ExtraConfig: map[string]string{"a b": ""}}, "extraConfig key"},
		{VMSpec{Name: "x", BuildID: "b", GuestInfo: map[string]string{"": ""}}, "guestinfo key"},
	} {
		if _, err := tc.spec.normalize(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.spec, err, tc.want)
		}
	}
	s, err := VMSpec{Name: "x", BuildID: "b", HardwareVersion: "vmx-19"}.normalize()
	if err != nil || s.HardwareVersion != "vmx-19" || s.CPUs != 1 || s.MemoryMB != 1024 || s.DiskController != "pvscsi" || s.NetworkAdapter != "vmxnet3" {
		t.Errorf("defaults: %+v, %v", s, err)
	}
	// Build id always wins, and the list is sorted.
	ec := VMSpec{Name: "x", BuildID: "b", ExtraConfig: map[string]string{BuildIDKey: "forged", "z": "1", "a": "2"}}.extraConfig()
	var keys []string
	for _, o := range ec {
		keys = append(keys, o.GetOptionValue().Key)
	}
	if strings.Join(keys, ",") != "a,linuxkit.build-id,z" || extraConfigValue(ec, BuildIDKey) != "b" {
		t.Errorf("extraConfig %v", keys)
	}
}

func TestCreateVMUndoesHalfMadeVM(t *testing.T) {
	s := sharedSim(t)
	d, tg := s.target(t)
	ctx := context.Background()
	spec := minimalSpec("half-made", "build-half")
	spec.SerialLog = true // added by a reconfigure after creation, which fails here
	s.AddFault("ReconfigVM_Task", &types.InvalidDeviceSpec{}, 1)
	if _, err := d.CreateVM(ctx, tg, spec); err == nil || !strings.Contains(err.Error(), "configure VM") {
		t.Fatalf("CreateVM with a failing reconfigure: %v", err)
	}
	if vm, err := d.FindVM(ctx, tg, "half-made"); vm != nil || err != nil {
		t.Errorf("the half-made VM was left behind: %v, %v", vm, err)
	}
}
