package vsphere_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/vmware/govmomi/vim25/types"
)

// TestVSpherePackerStandards is the acceptance run of the template
// standards through the real packer against vcsim: a template with two tags
// (their categories and tags created on demand), two NICs on two networks
// (the first with a fixed MAC) written as network_adapters blocks, cores
// per socket and reservations as set, an eager-zeroed extra disk, and the
// folder it sits in made on demand.
func TestVSpherePackerStandards(t *testing.T) {
	r := newVSPackerRig(t)
	noNetwork := strings.Replace(vsE2EVariant, "      network             = \"VM Network\"\n", "", 1)
	if noNetwork == vsE2EVariant {
		t.Fatal("the end-to-end template has no network line to drop")
	}
	args, _ := r.argsOf(t, noNetwork, "lkstd", `  formats = ["iso-bios"]`, `      convert_to_template = true
      cpus                = 4
      cpu_cores           = 2
      memory              = 2048
      cpu_reservation     = 1500
      memory_reservation  = 1024
      memory_limit        = 2048
      disks               = ["1G"]
      disk_provisioning   = "eager-zeroed"
      folder              = "golden/linuxkit"
      create_folder       = true
      create_tags         = true
      tags {
        category = "os"
        name     = "linuxkit"
      }
      tags {
        category = "team"
        name     = "platform"
      }
      network_adapters {
        network     = "VM Network"
        mac_address = "00:50:56:3f:00:01"
      }
      network_adapters {
        network   = "DC0_DVPG0"
        type      = "e1000e"
        connected = false
      }`)
	res := r.p.Build(t, nil, args...)

	var made []vsVM
	for _, v := range r.sim.vms(t) {
		if v.BuildID != "" {
			made = append(made, v)
		}
	}
	if len(made) != 1 || made[0].Name != "lkstd" || !made[0].Template {
		t.Fatalf("VMs made by the build: %v\n%s", made, res.Output)
	}
	v := made[0]
	if p := r.sim.inventoryPath(t, v.Ref); p != "/DC0/vm/golden/linuxkit/lkstd" {
		t.Errorf("template at %s, want it in the folder made for it", p)
	}
	if got := attachedTags(t, r.sim.tagManager(t), v.Ref.Self); !slices.Equal(got, []string{"os/linuxkit", "team/platform"}) {
		t.Errorf("tags on the template: %v", got)
	}
	if got := nicsOf(t, r.sim, v); !slices.Equal(got, wantTwoNICs) {
		t.Errorf("NICs:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantTwoNICs, "\n"))
	}
	c := v.Ref.Config
	if c.Hardware.NumCPU != 4 || *c.Hardware.NumCoresPerSocket != 2 || *c.CpuAllocation.Reservation != 1500 ||
		*c.MemoryAllocation.Reservation != 1024 || *c.MemoryAllocation.Limit != 2048 {
		t.Errorf("CPUs %d, cores per socket %d, CPU reservation %d, memory reservation %d limit %d", c.Hardware.NumCPU,
			*c.Hardware.NumCoresPerSocket, *c.CpuAllocation.Reservation, *c.MemoryAllocation.Reservation, *c.MemoryAllocation.Limit)
	}
	disks := vsDevices(v).SelectByType((*types.VirtualDisk)(nil))
	if len(disks) != 1 {
		t.Fatalf("%d disks", len(disks))
	}
	if b := disks[0].GetVirtualDevice().Backing.(*types.VirtualDiskFlatVer2BackingInfo); *b.ThinProvisioned || !*b.EagerlyScrub {
		t.Errorf("the extra disk is not eager-zeroed thick: thin=%v eager=%v", *b.ThinProvisioned, *b.EagerlyScrub)
	}
}
