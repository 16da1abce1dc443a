package ovf

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vmware/govmomi/ovf"
)

// FuzzEnvelope checks the OVF writer against govmomi's OVF parser: for any
// VM Validate accepts, the descriptor parses, names the VM as given (no
// escaping lost or doubled), and carries exactly the hardware asked for.
func FuzzEnvelope(f *testing.F) {
	f.Add("lk", "otherLinux64Guest", "", "bios", "pvscsi", "vmxnet3", 1, int64(1024), int64(1<<30), int64(1<<20))
	f.Add(`a<b&"c'>`, `x"><y`, "vmx-19", "efi", "lsilogic", "e1000", 4, int64(4096), int64(8<<30), int64(0))
	f.Add("ünï ☃", "other5xLinux64Guest", "vmx-21", "bios", "", "e1000e", 128, int64(4), int64(1), int64(1))
	f.Fuzz(func(t *testing.T, name, guest, hw, firmware, ctrl, nic string, cpus int, mem, capacity, size int64) {
		vm := VM{Name: name, GuestID: guest, HardwareVersion: hw, Firmware: firmware, DiskController: ctrl,
			NetworkAdapter: nic, CPUs: cpus, MemoryMB: mem, DiskCapacity: capacity, DiskFileSize: size, DiskHref: "d.vmdk"}
		text, err := Envelope(vm)
		if err != nil || !xmlText(name, guest, hw) {
			return // refused, or text XML 1.0 cannot carry (control characters, invalid UTF-8)
		}
		env, err := ovf.Unmarshal(strings.NewReader(text))
		if err != nil {
			t.Fatalf("the descriptor for %+v does not parse: %v\n%s", vm, err, text)
		}
		vs := env.VirtualSystem
		if vs == nil || vs.Name == nil || *vs.Name != name {
			t.Fatalf("VM name %q did not survive the descriptor: %+v", name, vs)
		}
		if len(env.Disk.Disks) != 1 || env.Disk.Disks[0].Capacity != strconv.FormatInt(capacity, 10) {
			t.Fatalf("disk capacity: %+v, want %d", env.Disk.Disks, capacity)
		}
		if len(env.References) != 1 || env.References[0].Size != uint(size) || env.References[0].Href != vm.DiskHref {
			t.Fatalf("references %+v, want %s of %d bytes", env.References, vm.DiskHref, size)
		}
		if os := vs.OperatingSystem; os == nil || os.OSType == nil || *os.OSType != guest {
			t.Fatalf("guest id %q did not survive: %+v", guest, vs.OperatingSystem)
		}
		var gotCPU, gotMem bool
		for _, h := range vs.VirtualHardware {
			for _, it := range h.Item {
				if it.VirtualQuantity == nil || it.ResourceType == nil {
					continue
				}
				switch *it.ResourceType {
				case ovf.Processor:
					gotCPU = *it.VirtualQuantity == uint(cpus)
				case ovf.Memory:
					gotMem = *it.VirtualQuantity == uint(mem)
				}
			}
		}
		if !gotCPU || !gotMem {
			t.Fatalf("cpus %d / memory %d not in the descriptor:\n%s", cpus, mem, text)
		}
	})
}

// xmlText reports whether every value is text an XML 1.0 document can hold
// as it is: valid UTF-8 of XML characters only.
func xmlText(values ...string) bool {
	for _, v := range values {
		if !utf8.ValidString(v) {
			return false
		}
		for _, r := range v {
			if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
				return false
			}
		}
	}
	return true
}
