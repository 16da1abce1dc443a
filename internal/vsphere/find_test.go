package vsphere

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

func TestFindPlacementDefaultModel(t *testing.T) {
	s := sharedSim(t)
	d := s.connect(t)
	ctx := context.Background()

	tg, err := d.FindPlacement(ctx, clusterPlacement)
	if err != nil {
		t.Fatal(err)
	}
	for what, got := range map[string]string{
		"datacenter": tg.Datacenter.InventoryPath,
		"cluster":    tg.Cluster.InventoryPath,
		"pool":       tg.ResourcePool.InventoryPath,
		"datastore":  tg.Datastore.Name(),
		"folder":     tg.Folder.InventoryPath,
		"network":    tg.Network.GetInventoryPath(),
	} {
		want := map[string]string{
			"datacenter": "/DC0", "cluster": "/DC0/host/DC0_C0", "pool": "/DC0/host/DC0_C0/Resources",
			"datastore": "LocalDS_0", "folder": "/DC0/vm", "network": "/DC0/network/VM Network",
		}[what]
		if got != want {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	if tg.Host != nil {
		t.Errorf("host = %v, want none (vCenter chooses)", tg.Host)
	}

	for _, tc := range []struct {
		p    Placement
		want string
		is   error
	}{
		{Placement{Network: "VM Network"}, "cluster or host: more than one exists, name one of: DC0_C0, DC0_H0", ErrAmbiguous},
		{Placement{Cluster: "DC0_C0"}, "network: more than one exists, name one of: ", ErrAmbiguous},
		{Placement{Datacenter: "DC9"}, `datacenter "DC9" not found; available: DC0`, ErrNotFound},
		{Placement{Cluster: "C9"}, `cluster "C9" not found in datacenter DC0; available: DC0_C0`, ErrNotFound},
		{Placement{Cluster: "DC0_C0", Host: "DC0_H0"}, `host "DC0_H0" not found in cluster DC0_C0; available: DC0_C0/DC0_C0_H0, DC0_C0/DC0_C0_H1, DC0_C0/DC0_C0_H2`, ErrNotFound},
		{Placement{Cluster: "DC0_C0", Datastore: "nope", Network: "VM Network"}, `datastore "nope" not found in datacenter DC0; available: LocalDS_0`, ErrNotFound},
		{Placement{Cluster: "DC0_C0", Network: "DVS0"}, `network "DVS0" not found in datacenter DC0; available: `, ErrNotFound},
		{Placement{Cluster: "DC0_C0", Network: "VM Network", Folder: "nope"}, `folder "nope" not found in datacenter DC0; none exists`, ErrNotFound},
		{Placement{Cluster: "DC0_C0", ResourcePool: "nope", Network: "VM Network"}, `resource_pool "nope" not found in cluster DC0_C0; available: DC0_C0/Resources`, ErrNotFound},
	} {
		_, err := d.FindPlacement(ctx, tc.p)
		var pe *PlacementError
		if !errors.As(err, &pe) || !errors.Is(err, tc.is) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("FindPlacement(%+v) = %v, want %q (%v)", tc.p, err, tc.want, tc.is)
		}
	}

	// A named host: its compute resource's pool, and the host itself is kept.
	tg, err = d.FindPlacement(ctx, Placement{Host: "DC0_C0_H1", Network: "VM Network"})
	if err != nil {
		t.Fatal(err)
	}
	if tg.Host == nil || tg.Host.Name() != "DC0_C0_H1" || tg.ResourcePool.InventoryPath != "/DC0/host/DC0_C0/Resources" {
		t.Errorf("host placement: host %v, pool %s", tg.Host, tg.ResourcePool.InventoryPath)
	}
	// The standalone host's compute resource, by host name.
	tg, err = d.FindPlacement(ctx, Placement{Host: "DC0_H0", Network: "VM Network"})
	if err != nil || tg.ResourcePool.InventoryPath != "/DC0/host/DC0_H0/Resources" {
		t.Errorf("standalone host placement: %v, %v", tg, err)
	}
	// A distributed port group.
	tg, err = d.FindPlacement(ctx, Placement{Cluster: "DC0_C0", Network: "DC0_DVPG0"})
	if err != nil || tg.Network.Reference().Type != "DistributedVirtualPortgroup" {
		t.Errorf("DVS port group: %v, %v", tg, err)
	}
}

func TestFindPlacementFoldersPoolsDatastores(t *testing.T) {
	s := newSim(t, testrig.WithModel(func(m *simulator.Model) {
		m.Folder = 1    // the datacenter and its objects sit in folders
		m.Datastore = 2 // LocalDS_0, LocalDS_1
		m.Pool = 1      // DC0_C0_RP1 under the cluster's root pool
		m.Host = 0      // only the cluster: compute is not ambiguous
	}))
	d := s.connect(t)
	ctx := context.Background()

	_, err := d.FindPlacement(ctx, Placement{Network: "VM Network"})
	if err == nil || err.Error() != "datastore: more than one exists, name one of: F0/LocalDS_0, F0/LocalDS_1" || !errors.Is(err, ErrAmbiguous) {
		t.Fatalf("two datastores, none named: %v", err)
	}
	_, err = d.FindPlacement(ctx, Placement{Datastore: "x", Network: "VM Network"})
	if err == nil || err.Error() != `datastore "x" not found in datacenter DC0; available: F0/LocalDS_0, F0/LocalDS_1` {
		t.Fatalf("unknown datastore: %v", err)
	}

	// Make VM folders a/b inside the datacenter's VM folder.
	f := find.NewFinder(d.Client())
	dc, err := f.Datacenter(ctx, "DC0")
	if err != nil {
		t.Fatal(err)
	}
	folders, err := dc.Folders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, err := folders.VmFolder.CreateFolder(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateFolder(ctx, "b"); err != nil {
		t.Fatal(err)
	}

	for _, folder := range []string{"a/b", "/a/b", "a/b/", "/F0/DC0/vm/a/b"} {
		tg, err := d.FindPlacement(ctx, Placement{Datacenter: "DC0", Datastore: "LocalDS_1", Folder: folder,
			ResourcePool: "DC0_C0_RP1", Network: "VM Network"})
		if err != nil {
			t.Fatalf("folder %q: %v", folder, err)
		}
		if tg.Folder.InventoryPath != "/F0/DC0/vm/a/b" || tg.Datastore.Name() != "LocalDS_1" ||
			tg.ResourcePool.InventoryPath != "/F0/DC0/host/F0/DC0_C0/Resources/DC0_C0_RP1" || tg.Datacenter.InventoryPath != "/F0/DC0" {
			t.Errorf("folder %q resolved to %s", folder, tg)
		}
	}
	_, err = d.FindPlacement(ctx, Placement{Datastore: "LocalDS_0", Folder: "c", Network: "VM Network"})
	if err == nil || err.Error() != `folder "c" not found in datacenter DC0; available: F0, a, a/b` {
		t.Errorf("unknown folder: %v", err)
	}
	// The only datacenter is found without a name, and by its path.
	for _, dcName := range []string{"", "F0/DC0", "/F0/DC0"} {
		if _, err := d.FindPlacement(ctx, Placement{Datacenter: dcName, Datastore: "F0/LocalDS_0", Network: "VM Network"}); err != nil {
			t.Errorf("datacenter %q: %v", dcName, err)
		}
	}
}

// TestFindFolderListingFails: when a folder is missing and listing the folders to suggest one
// fails too, the listing's error is part of the result, not dropped.
func TestFindFolderListingFails(t *testing.T) {
	s := newSim(t)
	d := s.connect(t)
	ctx := context.Background()
	// FolderList(".../vm/...") first calls FindByInventoryPath, which the lookup of the
	// missing folder does not: that call arms a fault on every later property retrieval.
	var armed atomic.Bool
	s.Model.Service.AddFaultRule(&simulator.FaultInjectionRule{
		MethodName: "FindByInventoryPath", ObjectType: "*", ObjectName: "*", Probability: 1, Enabled: true,
		FaultType:               simulator.FaultTypeCustom,
		InclusionPropertyFilter: func(mo.Reference) bool { armed.Store(true); return false },
	})
	for _, method := range []string{"RetrieveProperties", "RetrievePropertiesEx"} {
		s.Model.Service.AddFaultRule(&simulator.FaultInjectionRule{
			MethodName: method, ObjectType: "*", ObjectName: "*", Probability: 1, Enabled: true,
			FaultType: simulator.FaultTypeCustom, Fault: &types.NoPermission{PrivilegeId: "System.Read"},
			InclusionPropertyFilter: func(mo.Reference) bool { return armed.Load() },
		})
	}
	_, err := d.FindPlacement(ctx, Placement{Cluster: "DC0_C0", Datastore: "LocalDS_0", Folder: "nope", Network: "VM Network"})
	if !armed.Load() {
		t.Fatalf("the folders were never listed: %v", err)
	}
	if err == nil || !errors.Is(err, ErrNotFound) || !fault.Is(err, &types.NoPermission{}) ||
		!strings.HasPrefix(err.Error(), `folder "nope" not found in datacenter DC0; none exists (listing the folders of datacenter DC0 failed: `) {
		t.Fatalf("missing folder, failed listing: %v", err)
	}
}

func TestPlacementErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		e    *PlacementError
		want string
	}{
		{newPlacementError("datastore", "", "datacenter DC0", []string{"b", "a", "a"}, true), "datastore: more than one exists, name one of: a, b"},
		{newPlacementError("datastore", "", "datacenter DC0", nil, false), "datastore: none exists in datacenter DC0"},
		{newPlacementError("host", "h", "cluster C", []string{"x/h", "y/h"}, true), `host "h" matches more than one in cluster C, give its path: x/h, y/h`},
		{newPlacementError("network", "n", "datacenter DC0", nil, false), `network "n" not found in datacenter DC0; none exists`},
		{newPlacementError("datacenter", "d", "", []string{"DC0"}, false), `datacenter "d" not found; available: DC0`},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}
