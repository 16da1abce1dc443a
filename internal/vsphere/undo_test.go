package vsphere

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// detachedTarget starts a simulator without its own VMs (so every host can leave the
// distributed switch), resolves a placement on the distributed port group DC0_DVPG0 and
// breaks it with detachHost.
func detachedTarget(t *testing.T) (*Driver, *Target) {
	t.Helper()
	s := newSim(t, testrig.WithModel(func(m *simulator.Model) { m.Machine = 0 }))
	d := s.connect(t)
	tg, err := d.FindPlacement(context.Background(), Placement{Cluster: "DC0_C0", Datastore: "LocalDS_0", Network: "DC0_DVPG0"})
	if err != nil {
		t.Fatal(err)
	}
	detachHost(t, d, tg)
	return d, tg
}

// detachHost removes one host of the cluster from the distributed switch behind tg's port
// group. vCenter (and vcsim) then refuse a NIC on that port group in the middle of CreateVM,
// after the VM's datastore folder and its vmx, nvram and log are written.
func detachHost(t *testing.T, d *Driver, tg *Target) {
	t.Helper()
	ctx := context.Background()
	pgObj, ok := tg.Network.(*object.DistributedVirtualPortgroup)
	if !ok {
		t.Fatalf("network %s is not a distributed port group", tg.Network.GetInventoryPath())
	}
	var pg mo.DistributedVirtualPortgroup
	if err := pgObj.Properties(ctx, pgObj.Reference(), []string{"config.distributedVirtualSwitch"}, &pg); err != nil {
		t.Fatal(err)
	}
	hosts, err := find.NewFinder(d.Client(), true).HostSystemList(ctx, tg.Datacenter.InventoryPath+"/host/DC0_C0/*")
	if err != nil || len(hosts) == 0 {
		t.Fatalf("cluster hosts: %v, %v", hosts, err)
	}
	dvs := object.NewDistributedVirtualSwitch(d.Client(), *pg.Config.DistributedVirtualSwitch)
	// A host whose VMs use the switch cannot leave it (ResourceInUse): take the first free one.
	var errs []error
	for _, h := range hosts {
		task, err := dvs.Reconfigure(ctx, &types.DVSConfigSpec{Host: []types.DistributedVirtualSwitchHostMemberConfigSpec{
			{Operation: string(types.ConfigSpecOperationRemove), Host: h.Reference()},
		}})
		if err == nil {
			err = task.Wait(ctx)
		}
		if err == nil {
			return
		}
		errs = append(errs, err)
	}
	t.Fatalf("no host of the cluster could leave the switch: %v", errors.Join(errs...))
}

// dsEntries lists what the datastore browser shows at the datastore's root (dir "") or in
// one of its folders.
func dsEntries(t *testing.T, ds *object.Datastore, dir string) []string {
	t.Helper()
	ctx := context.Background()
	b, err := ds.Browser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	task, err := b.SearchDatastore(ctx, ds.Path(dir), &types.HostDatastoreBrowserSearchSpec{MatchPattern: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	info, err := task.WaitForResult(ctx, nil)
	if err != nil {
		t.Fatalf("browse %s: %v", ds.Path(dir), err)
	}
	var names []string
	for _, f := range info.Result.(types.HostDatastoreBrowserSearchResults).File {
		names = append(names, f.GetFileInfo().Path)
	}
	slices.Sort(names)
	return names
}

// TestFailedCreateRemovesItsFolder: CreateVM or ImportVM fails after vCenter made the VM's
// datastore folder (for an import inside ImportVApp, reported through the lease); the folder
// goes again, and nothing of the VM is left.
func TestFailedCreateRemovesItsFolder(t *testing.T) {
	disk, _ := writeStreamVMDK(t, 4<<20)
	for _, tc := range []struct {
		how    string
		create func(context.Context, *Driver, *Target, VMSpec) error
	}{
		{"create VM", func(ctx context.Context, d *Driver, tg *Target, spec VMSpec) error {
			_, err := d.CreateVM(ctx, tg, spec)
			return err
		}},
		{"import VM", func(ctx context.Context, d *Driver, tg *Target, spec VMSpec) error {
			_, err := d.ImportVM(ctx, tg, spec, disk, nil)
			return err
		}},
	} {
		t.Run(tc.how, func(t *testing.T) {
			d, tg := detachedTarget(t)
			ctx := context.Background()
			err := tc.create(ctx, d, tg, minimalSpec("lk-half", "b-half"))
			if err == nil || !strings.HasPrefix(err.Error(), tc.how+` "lk-half": `) || !strings.Contains(err.Error(), "InvalidArgument") {
				t.Fatalf("%s on a detached host: %v", tc.how, err)
			}
			if slices.Contains(dsEntries(t, tg.Datastore, ""), "lk-half") {
				t.Errorf("the datastore browser still shows the VM's folder: %v", dsEntries(t, tg.Datastore, "lk-half"))
			}
			if vm, err := d.FindVM(ctx, tg, "lk-half"); vm != nil || err != nil {
				t.Errorf("the VM was left: %v, %v", vm, err)
			}
		})
	}
}

// TestCreateVMFailureKeepsForeignFolder: a datastore folder of the VM's name that was there
// before the build is not ours to remove, nor is what it holds.
func TestCreateVMFailureKeepsForeignFolder(t *testing.T) {
	d, tg := detachedTarget(t)
	ctx := context.Background()
	keep, _ := writeFile(t, "notes.txt", 64, 3)
	if err := d.UploadFile(ctx, tg, keep, "lk-theirs/notes.txt", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateVM(ctx, tg, minimalSpec("lk-theirs", "b-theirs")); err == nil {
		t.Fatal("CreateVM on a detached host succeeded")
	}
	if got := dsEntries(t, tg.Datastore, "lk-theirs"); !slices.Contains(got, "notes.txt") {
		t.Errorf("the folder that was there before holds %v, want notes.txt kept", got)
	}
}

// TestInvalidNamesCreateNothing: a name vSphere would store escaped or trimmed is refused
// before anything is made (the '%' name used to leave "lk%25pct/" behind).
func TestInvalidNamesCreateNothing(t *testing.T) {
	s := newSim(t)
	d, tg := s.target(t)
	ctx := context.Background()
	before := dsEntries(t, tg.Datastore, "")
	disk, _ := writeStreamVMDK(t, 4<<20)
	for _, name := range []string{"lk%pct", " lk-lead", "lk-trail ", `lk\bs`, "lk/slash", "lk\x01ctl", strings.Repeat("l", 81)} {
		if _, err := d.CreateVM(ctx, tg, minimalSpec(name, "b-names")); !errors.Is(err, ErrInvalidName) || !strings.HasPrefix(err.Error(), "vm_name ") {
			t.Errorf("CreateVM(%q): %v", name, err)
		}
		if _, err := d.ImportVM(ctx, tg, minimalSpec(name, "b-names"), disk, nil); !errors.Is(err, ErrInvalidName) {
			t.Errorf("ImportVM(%q): %v", name, err)
		}
	}
	if after := dsEntries(t, tg.Datastore, ""); !slices.Equal(before, after) {
		t.Errorf("the datastore root changed from %v to %v", before, after)
	}
	if n := countBuild(t, d, "b-names"); n != 0 {
		t.Errorf("%d VMs made", n)
	}
	p := clusterPlacement
	p.Folder = "team/ bad"
	if _, err := d.FindPlacement(ctx, p); !errors.Is(err, ErrInvalidName) || !strings.Contains(err.Error(), `folder "team/ bad": folder " bad": leading or trailing space`) {
		t.Errorf("folder with a leading space: %v", err)
	}
	vm, err := d.CreateVM(ctx, tg, minimalSpec("lk-for-library", "b-names-ok"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.PublishToLibrary(ctx, tg, vm, LibraryItem{Library: "any", Name: "item%x"}); !errors.Is(err, ErrInvalidName) ||
		!strings.HasPrefix(err.Error(), `content_library.name "item%x": '%' is not allowed`) {
		t.Errorf("library item with '%%': %v", err)
	}
}
