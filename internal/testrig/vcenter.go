package testrig

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"testing"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/vapi/library"
	"github.com/vmware/govmomi/vapi/rest"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
)

// VCenter is a client of a vCenter (a vcsim in the rigs) for what tests and the demo check
// or prepare around a build: content libraries, and the VMs and library items that exist.
type VCenter struct {
	Client *govmomi.Client
	REST   *rest.Client
}

// DialVCenter logs in to the vCenter at u (https://user:pass@host/sdk), without verifying its
// certificate (the rigs' vcsim has a self-signed one); t.Cleanup logs out.
func DialVCenter(ctx context.Context, t testing.TB, u *url.URL) *VCenter {
	t.Helper()
	c, err := govmomi.NewClient(ctx, u, true)
	if err != nil {
		t.Fatalf("testrig: connect to %s: %v", u.Host, err)
	}
	rc := rest.NewClient(c.Client)
	if err := rc.Login(ctx, u.User); err != nil {
		t.Fatalf("testrig: vAPI login to %s: %v", u.Host, err)
	}
	t.Cleanup(func() {
		_ = rc.Logout(context.Background()) // the simulator is going away too
		_ = c.Logout(context.Background())
	})
	return &VCenter{Client: c, REST: rc}
}

// CreateLibrary makes a local content library named name backed by datastore (an inventory
// path or a name in datacenter) and returns its id.
func (v *VCenter) CreateLibrary(ctx context.Context, t testing.TB, datacenter, datastore, name string) string {
	t.Helper()
	f := find.NewFinder(v.Client.Client)
	dc, err := f.Datacenter(ctx, datacenter)
	if err != nil {
		t.Fatalf("testrig: datacenter %s: %v", datacenter, err)
	}
	f.SetDatacenter(dc)
	ds, err := f.Datastore(ctx, datastore)
	if err != nil {
		t.Fatalf("testrig: datastore %s: %v", datastore, err)
	}
	id, err := library.NewManager(v.REST).CreateLibrary(ctx, library.Library{
		Name: name, Type: "LOCAL",
		Storage: []library.StorageBacking{{DatastoreID: ds.Reference().Value, Type: "DATASTORE"}},
	})
	if err != nil {
		t.Fatalf("testrig: create content library %s: %v", name, err)
	}
	return id
}

// InventoryVM is a VM as `govc ls` and `govc find -config.template` see it.
type InventoryVM struct {
	Path     string // inventory path, /DC0/vm/name
	Template bool
}

// VMs lists every VM and template, sorted by path.
func (v *VCenter) VMs(ctx context.Context, t testing.TB) []InventoryVM {
	t.Helper()
	m := view.NewManager(v.Client.Client)
	cv, err := m.CreateContainerView(ctx, v.Client.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		t.Fatalf("testrig: list VMs: %v", err)
	}
	defer func() { _ = cv.Destroy(context.Background()) }()
	var vms []mo.VirtualMachine
	if err := cv.Retrieve(ctx, []string{"VirtualMachine"}, []string{"name", "config.template"}, &vms); err != nil {
		t.Fatalf("testrig: list VMs: %v", err)
	}
	var out []InventoryVM
	for _, vm := range vms {
		p, err := find.InventoryPath(ctx, v.Client.Client, vm.Self)
		if err != nil {
			t.Fatalf("testrig: inventory path of %s: %v", vm.Name, err)
		}
		out = append(out, InventoryVM{Path: p, Template: vm.Config != nil && vm.Config.Template})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// LibraryItems lists the items of the content library named name as "name (type)", sorted.
func (v *VCenter) LibraryItems(ctx context.Context, t testing.TB, name string) []string {
	t.Helper()
	lm := library.NewManager(v.REST)
	lib, err := lm.GetLibraryByName(ctx, name)
	if err != nil {
		t.Fatalf("testrig: content library %s: %v", name, err)
	}
	items, err := lm.GetLibraryItems(ctx, lib.ID)
	if err != nil {
		t.Fatalf("testrig: items of %s: %v", name, err)
	}
	var out []string
	for _, it := range items {
		out = append(out, fmt.Sprintf("%s (%s)", it.Name, it.Type))
	}
	sort.Strings(out)
	return out
}
