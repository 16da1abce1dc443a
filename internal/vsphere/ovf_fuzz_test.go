package vsphere

import (
	"strconv"
	"strings"
	"testing"

	"github.com/vmware/govmomi/ovf"
)

// FuzzOVFEnvelope checks the OVF writer against govmomi's OVF parser: for any
// spec normalize accepts, the descriptor parses, names the VM as given (no
// escaping lost or doubled), and carries exactly the hardware asked for.
func FuzzOVFEnvelope(f *testing.F) {
	f.Add("lk", "otherLinux64Guest", "", "bios", 1, int64(1024), int64(1<<30), int64(1<<20))
	f.Add(`a<b&"c'>`, `x"><y`, "vmx-19", "efi", 4, int64(4096), int64(8<<30), int64(0))
	f.Add("ünï ☃", "other5xLinux64Guest", "21", "bios", 128, int64(4), int64(1), int64(1))
	f.Fuzz(func(t *testing.T, name, guest, hw, firmware string, cpus int, mem, capacity, size int64) {
		s, err := VMSpec{Name: name, BuildID: "b", GuestID: guest, HardwareVersion: hw, Firmware: firmware,
			CPUs: cpus, MemoryMB: mem}.normalize()
		if err != nil {
			return
		}
		text := ovfEnvelope(s, capacity, size)
		env, err := ovf.Unmarshal(strings.NewReader(text))
		if err != nil {
			t.Fatalf("the descriptor for %+v does not parse: %v\n%s", s, err, text)
		}
		vs := env.VirtualSystem
		if vs == nil || vs.Name == nil || *vs.Name != s.Name {
			t.Fatalf("VM name %q did not survive the descriptor: %+v", s.Name, vs)
		}
		if len(env.Disk.Disks) != 1 || env.Disk.Disks[0].Capacity != strconv.FormatInt(capacity, 10) {
			t.Fatalf("disk capacity: %+v, want %d", env.Disk.Disks, capacity)
		}
		if os := vs.OperatingSystem; os == nil || os.OSType == nil || *os.OSType != s.GuestID {
			t.Fatalf("guest id %q did not survive: %+v", s.GuestID, vs.OperatingSystem)
		}
		var gotCPU, gotMem bool
		for _, h := range vs.VirtualHardware {
			for _, it := range h.Item {
				if it.VirtualQuantity == nil || it.ResourceType == nil {
					continue
				}
				switch *it.ResourceType {
				case ovf.Processor:
					gotCPU = *it.VirtualQuantity == uint(s.CPUs)
				case ovf.Memory:
					gotMem = *it.VirtualQuantity == uint(s.MemoryMB)
				}
			}
		}
		if !gotCPU || !gotMem {
			t.Fatalf("cpus %d / memory %d not in the descriptor:\n%s", s.CPUs, s.MemoryMB, text)
		}
	})
}
