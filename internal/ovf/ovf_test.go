package ovf

import (
	"os"
	"strings"
	"testing"
)

// TestEnvelopeGolden pins the descriptor's bytes: testdata/efi.ovf is what
// the writer made before it moved here from the vSphere import.
func TestEnvelopeGolden(t *testing.T) {
	want, err := os.ReadFile("testdata/efi.ovf")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Envelope(VM{Name: "lk<&>", CPUs: 2, MemoryMB: 2048, Firmware: "efi", GuestID: "otherLinux64Guest",
		HardwareVersion: "vmx-19", DiskController: "pvscsi", NetworkAdapter: "vmxnet3",
		DiskCapacity: 64 << 20, DiskFileSize: 4242, DiskHref: "lk-disk1.vmdk"})
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("descriptor differs from testdata/efi.ovf:\n%s", got)
	}
}

// TestValidate checks that each value the descriptor cannot carry is refused
// with an error naming its field.
func TestValidate(t *testing.T) {
	ok := VM{Name: "lk", CPUs: 1, MemoryMB: 1024, Firmware: "bios", GuestID: "otherLinux64Guest",
		DiskController: "pvscsi", NetworkAdapter: "vmxnet3", DiskCapacity: 1, DiskFileSize: 1, DiskHref: "d.vmdk"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for field, mut := range map[string]func(*VM){
		"CPUs":           func(v *VM) { v.CPUs = 0 },
		"MemoryMB":       func(v *VM) { v.MemoryMB = -4 },
		"Firmware":       func(v *VM) { v.Firmware = "uefi" },
		"DiskController": func(v *VM) { v.DiskController = "nvme" },
		"NetworkAdapter": func(v *VM) { v.NetworkAdapter = "rtl8139" },
		"capacity":       func(v *VM) { v.DiskCapacity = -1 },
		"DiskHref":       func(v *VM) { v.DiskHref = "../d.vmdk" },
	} {
		vm := ok
		mut(&vm)
		if _, err := Envelope(vm); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: error %v does not name it", field, err)
		}
	}
}
