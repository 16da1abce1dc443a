package vsphere_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/vmware/govmomi/vapi/rest"
	"github.com/vmware/govmomi/vapi/tags"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	vsdriver "github.com/seed844b7c54/packer-plugin-linuxkit/internal/vsphere"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// tagManager logs in to the simulator's vAPI for the test's own look at
// its tags.
func (s *vsSim) tagManager(t *testing.T) *tags.Manager {
	t.Helper()
	d, _ := s.driver(t)
	rc := rest.NewClient(d.Client())
	if err := rc.Login(context.Background(), url.UserPassword(s.user, s.pass)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Logout(context.Background()) })
	return tags.NewManager(rc)
}

// attachedTags lists the tags attached to ref as "category/name", sorted,
// as `govc tags.attached.ls` shows them.
func attachedTags(t *testing.T, m *tags.Manager, ref mo.Reference) []string {
	t.Helper()
	ctx := context.Background()
	attached, err := m.GetAttachedTags(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tag := range attached {
		cat, err := m.GetCategory(ctx, tag.CategoryID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, cat.Name+"/"+tag.Name)
	}
	sort.Strings(out)
	return out
}

var twoTags = []map[string]string{{"category": "os", "name": "linuxkit"}, {"category": "team", "name": "platform"}}

// TestVSphereTagsOnTemplate makes a template with two tags, their category
// "team" and both tags created on demand (create_tags): the template carries
// exactly those two.
func TestVSphereTagsOnTemplate(t *testing.T) {
	s := newVSSim(t)
	m := s.tagManager(t)
	ctx := context.Background()
	if _, err := m.CreateCategory(ctx, &tags.Category{Name: "os", Cardinality: "MULTIPLE"}); err != nil {
		t.Fatal(err)
	}
	in, _ := vsInput(t, "lktag", 1<<20)
	_, err := vmwaretest.Run(t, ctx, newVSUI(t), in, s.config(map[string]interface{}{
		"convert_to_template": true, "tags": twoTags, "create_tags": true,
	}), nil)
	if err != nil {
		t.Fatalf("PostProcess: %v", err)
	}
	vms := s.vms(t)
	if len(vms) != 1 || !vms[0].Template {
		t.Fatalf("VMs: %v", vms)
	}
	if got := attachedTags(t, m, vms[0].Ref.Self); !slices.Equal(got, []string{"os/linuxkit", "team/platform"}) {
		t.Errorf("tags on the template: %v", got)
	}
}

// TestVSphereMissingTag stops before anything is created when a tag's
// category or the tag itself does not exist and create_tags is unset,
// listing what exists.
func TestVSphereMissingTag(t *testing.T) {
	s := newVSSim(t)
	m := s.tagManager(t)
	ctx := context.Background()
	catID, err := m.CreateCategory(ctx, &tags.Category{Name: "os", Cardinality: "MULTIPLE"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.CreateTag(ctx, &tags.Tag{Name: "debian", CategoryID: catID}); err != nil {
		t.Fatal(err)
	}
	in, _ := vsInput(t, "lknotag", 1<<20)
	for _, tc := range []struct {
		tags []map[string]string
		want []string
	}{
		{[]map[string]string{{"category": "env", "name": "prod"}}, []string{`tags.category "env" not found; available: os`, "create_tags = true"}},
		{[]map[string]string{{"category": "os", "name": "linuxkit"}}, []string{`tags.name "linuxkit" not found in category os; available: debian`, "create_tags = true"}},
	} {
		_, err := vmwaretest.Run(t, ctx, newVSUI(t), in, s.config(map[string]interface{}{"tags": tc.tags}), nil)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("error %v, want it to say %q", err, w)
			}
		}
		wantNothingLeft(t, s)
	}
	if cats, _ := m.GetCategories(ctx); len(cats) != 1 {
		t.Errorf("categories after the failed runs: %+v, want only os", cats)
	}
}

// TestVSphereOVFItemFlags publishes an OVF library item from a VM with
// guestinfo: the item is tagged, and the create request carries the
// EXTRA_CONFIG flag, so a real vCenter keeps the guestinfo keys in the
// item's OVF. vcsim makes an OVF item without reading the source VM nor the
// flags (it holds no OVF descriptor to look at), so what this checks is the
// request vCenter receives, recorded in front of the simulator's endpoint;
// the explicit ovf_flags form and PRESERVE_MAC go the same way.
func TestVSphereOVFItemFlags(t *testing.T) {
	s := newVSSim(t)
	requests := s.sim.RecordRequests("POST", "/rest/com/vmware/vcenter/ovf/library-item")
	lm, _ := s.library(t, "lkovf")
	m := s.tagManager(t)
	disk := filepath.Join(t.TempDir(), "lkf.vmdk")
	vmwaretest.VMDK(t, disk, true)
	in := vmwaretest.Input("lkf", map[string]string{artifact.FormatVMDK: disk}, true)
	for _, tc := range []struct {
		name  string
		flags interface{}
		want  []string
	}{
		{"lkf", nil, []string{"EXTRA_CONFIG"}},
		{"lkf2", []string{"EXTRA_CONFIG", "PRESERVE_MAC"}, []string{"EXTRA_CONFIG", "PRESERVE_MAC"}},
	} {
		cl := map[string]interface{}{"library": "lkovf", "ovf": true, "destroy": true, "name": tc.name}
		if tc.flags != nil {
			cl["ovf_flags"] = tc.flags
		}
		art, err := vmwaretest.Run(t, context.Background(), newVSUI(t), in, s.config(map[string]interface{}{
			"vm_name": tc.name, "boot_media": "disk", "guestinfo": map[string]string{"metadata": "e30="},
			"tags": twoTags, "create_tags": true, "content_library": cl,
		}), nil)
		if err != nil {
			t.Fatalf("%s: PostProcess: %v", tc.name, err)
		}
		it, err := lm.GetLibraryItem(context.Background(), art.Id())
		if err != nil || it.Name != tc.name || it.Type != "ovf" {
			t.Fatalf("%s: library item %+v, %v", tc.name, it, err)
		}
		if got := attachedTags(t, m, vsdriver.LibraryItemRef(it.ID)); !slices.Equal(got, []string{"os/linuxkit", "team/platform"}) {
			t.Errorf("%s: tags on the library item: %v", tc.name, got)
		}
	}
	bodies := requests.Bodies()
	if len(bodies) != 2 {
		t.Fatalf("%d OVF create requests, want 2", len(bodies))
	}
	for i, want := range [][]string{{"EXTRA_CONFIG"}, {"EXTRA_CONFIG", "PRESERVE_MAC"}} {
		var req struct {
			Spec struct {
				Flags []string `json:"flags"`
			} `json:"create_spec"`
		}
		if err := json.Unmarshal(bodies[i], &req); err != nil {
			t.Fatalf("request %d: %v: %s", i, err, bodies[i])
		}
		if !slices.Equal(req.Spec.Flags, want) {
			t.Errorf("request %d flags %v, want %v: %s", i, req.Spec.Flags, want, bodies[i])
		}
	}
}

// TestVSphereHardwareStandards checks the template standards as vSphere
// records them (govc vm.info -json shows the same fields): cores per
// socket, CPU and memory reservations and limits, hot add, nested HV, video
// memory, an eager-zeroed extra disk on an NVMe controller, the CD-ROM on
// SATA, the boot order, and the VM in a folder made on demand.
func TestVSphereHardwareStandards(t *testing.T) {
	s := newVSSim(t)
	in, _ := vsInput(t, "lkhw", 1<<20)
	_, err := vmwaretest.Run(t, context.Background(), newVSUI(t), in, s.config(map[string]interface{}{
		"cpus": 4, "cpu_cores": 2, "memory": 2048,
		"cpu_reservation": 1000, "cpu_limit": 3000, "memory_reservation": 1024, "memory_limit": 2048,
		"cpu_hot_add": true, "memory_hot_add": true, "nested_hv": true, "video_ram": 16384,
		"disks": []string{"1G"}, "disk_provisioning": "eager-zeroed", "disk_controller_type": "nvme",
		"cdrom_type": "sata", "boot_order": "disk,cdrom",
		"folder": "golden/linuxkit", "create_folder": true,
	}), nil)
	if err != nil {
		t.Fatalf("PostProcess: %v", err)
	}
	vms := s.vms(t)
	if len(vms) != 1 {
		t.Fatalf("VMs: %v", vms)
	}
	c := vms[0].Ref.Config
	if p := s.inventoryPath(t, vms[0].Ref); p != "/DC0/vm/golden/linuxkit/lkhw" {
		t.Errorf("inventory path %s, want the VM in the folder made for it", p)
	}
	if c.Hardware.NumCPU != 4 || c.Hardware.NumCoresPerSocket == nil || *c.Hardware.NumCoresPerSocket != 2 {
		t.Errorf("CPUs %d, cores per socket %v", c.Hardware.NumCPU, c.Hardware.NumCoresPerSocket)
	}
	if a := c.CpuAllocation; a == nil || *a.Reservation != 1000 || *a.Limit != 3000 {
		t.Errorf("CPU allocation %+v", a)
	}
	if a := c.MemoryAllocation; a == nil || *a.Reservation != 1024 || *a.Limit != 2048 {
		t.Errorf("memory allocation %+v", a)
	}
	for name, b := range map[string]*bool{"cpu hot add": c.CpuHotAddEnabled, "memory hot add": c.MemoryHotAddEnabled, "nested HV": c.NestedHVEnabled} {
		if b == nil || !*b {
			t.Errorf("%s is not on", name)
		}
	}
	devs := vsDevices(vms[0])
	if v := devs.SelectByType((*types.VirtualMachineVideoCard)(nil)); len(v) != 1 || v[0].(*types.VirtualMachineVideoCard).VideoRamSizeInKB != 16384 {
		t.Errorf("video cards %v", v)
	}
	disks := devs.SelectByType((*types.VirtualDisk)(nil))
	if len(disks) != 1 {
		t.Fatalf("%d disks", len(disks))
	}
	b := disks[0].GetVirtualDevice().Backing.(*types.VirtualDiskFlatVer2BackingInfo)
	if b.ThinProvisioned == nil || *b.ThinProvisioned || b.EagerlyScrub == nil || !*b.EagerlyScrub {
		t.Errorf("disk backing thin=%v eager=%v, want eager-zeroed thick", b.ThinProvisioned, b.EagerlyScrub)
	}
	if _, ok := devs.FindByKey(disks[0].GetVirtualDevice().ControllerKey).(*types.VirtualNVMEController); !ok {
		t.Errorf("the disk is on %T, want the NVMe controller", devs.FindByKey(disks[0].GetVirtualDevice().ControllerKey))
	}
	cds := devs.SelectByType((*types.VirtualCdrom)(nil))
	if len(cds) != 1 {
		t.Fatalf("%d CD-ROMs", len(cds))
	}
	if _, ok := devs.FindByKey(cds[0].GetVirtualDevice().ControllerKey).(*types.VirtualAHCIController); !ok {
		t.Errorf("the CD-ROM is on %T, want the SATA controller", devs.FindByKey(cds[0].GetVirtualDevice().ControllerKey))
	}
	var order []string
	for _, d := range c.BootOptions.BootOrder {
		order = append(order, fmt.Sprintf("%T", d))
	}
	if want := []string{"*types.VirtualMachineBootOptionsBootableDiskDevice", "*types.VirtualMachineBootOptionsBootableCdromDevice"}; !slices.Equal(order, want) {
		t.Errorf("boot order %v, want %v", order, want)
	}
}

// TestVSphereDiskImportProvisioning imports the boot disk eager-zeroed.
func TestVSphereDiskImportProvisioning(t *testing.T) {
	s := newVSSim(t)
	disk := filepath.Join(t.TempDir(), "lkez.vmdk")
	vmwaretest.VMDK(t, disk, true)
	in := vmwaretest.Input("lkez", map[string]string{artifact.FormatVMDK: disk}, true)
	if _, err := vmwaretest.Run(t, context.Background(), newVSUI(t), in, s.config(map[string]interface{}{
		"disk_provisioning": "eager-zeroed", "cpus": 2, "cpu_cores": 2, "memory_reservation": 512,
	}), nil); err != nil {
		t.Fatalf("PostProcess: %v", err)
	}
	vms := s.vms(t)
	if len(vms) != 1 {
		t.Fatalf("VMs: %v", vms)
	}
	disks := vsDevices(vms[0]).SelectByType((*types.VirtualDisk)(nil))
	if len(disks) != 1 {
		t.Fatalf("%d disks", len(disks))
	}
	b := disks[0].GetVirtualDevice().Backing.(*types.VirtualDiskFlatVer2BackingInfo)
	if b.ThinProvisioned != nil && *b.ThinProvisioned {
		t.Errorf("the imported boot disk is thin, want eager-zeroed thick")
	}
	c := vms[0].Ref.Config
	if *c.Hardware.NumCoresPerSocket != 2 || *c.MemoryAllocation.Reservation != 512 {
		t.Errorf("imported VM: cores per socket %d, memory reservation %d", *c.Hardware.NumCoresPerSocket, *c.MemoryAllocation.Reservation)
	}
}
