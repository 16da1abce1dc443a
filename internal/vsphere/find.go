package vsphere

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Placement is where the user wants the VM, by name, as the post-processor's options spell
// it. Each field may be a name ("LocalDS_0"), a path relative to the datacenter's folder of
// that kind ("F0/LocalDS_0") or empty: empty picks the only object of its kind and fails,
// listing the candidates, when there are several.
type Placement struct {
	Datacenter   string
	Cluster      string
	Host         string
	ResourcePool string
	Datastore    string
	// Folder is relative to the datacenter's VM folder, with or without a leading "/";
	// empty means the VM folder itself.
	Folder string
	// Network is a standard port group or a distributed port group.
	Network string
	// Networks are the further networks the VM's NICs use (VMSpec.NICs), resolved as
	// Network is, into Target.Networks. When Network is empty, the target's Network is the
	// first of them.
	Networks []string
	// CreateFolder makes Folder, and the folders above it, when they are missing.
	CreateFolder bool
	// DatastoreCluster is a datastore cluster (storage pod) whose Storage DRS
	// recommendation becomes the target's Datastore; Datastore must then be empty.
	DatastoreCluster string
	// VMName is the VM the DatastoreCluster recommendation is asked for.
	VMName string
}

// Target is a resolved Placement: the objects every other call needs.
type Target struct {
	Datacenter *object.Datacenter
	// Cluster is set when a cluster was named.
	Cluster *object.ClusterComputeResource
	// Host is set only when a host was named; otherwise vCenter (or DRS) chooses.
	Host         *object.HostSystem
	ResourcePool *object.ResourcePool
	Datastore    *object.Datastore
	Folder       *object.Folder
	Network      object.NetworkReference
	// Networks are Placement.Networks resolved, by the name the placement gave.
	Networks map[string]object.NetworkReference
}

// String describes the target for a log line.
func (t *Target) String() string {
	if t == nil || t.Datacenter == nil {
		return "<no target>"
	}
	parts := []string{"datacenter " + t.Datacenter.InventoryPath}
	if t.ResourcePool != nil {
		parts = append(parts, "pool "+t.ResourcePool.InventoryPath)
	}
	if t.Host != nil {
		parts = append(parts, "host "+t.Host.InventoryPath)
	}
	if t.Datastore != nil {
		parts = append(parts, "datastore "+t.Datastore.Name())
	}
	if t.Folder != nil {
		parts = append(parts, "folder "+t.Folder.InventoryPath)
	}
	if t.Network != nil {
		parts = append(parts, "network "+path.Base(t.Network.GetInventoryPath()))
	}
	return strings.Join(parts, ", ")
}

// FindPlacement resolves every field of p in the inventory. Errors are *PlacementError
// values that name the option and list what exists.
func (d *Driver) FindPlacement(ctx context.Context, p Placement) (*Target, error) {
	f := find.NewFinder(d.vc, true)
	dc, err := d.findDatacenter(ctx, f, p.Datacenter)
	if err != nil {
		return nil, err
	}
	f.SetDatacenter(dc)
	t := &Target{Datacenter: dc}
	if err := d.findCompute(ctx, f, p, t); err != nil {
		return nil, err
	}
	scope := "datacenter " + dc.Name()
	dsRoot := dc.InventoryPath + "/datastore/"
	if p.DatastoreCluster == "" {
		if t.Datastore, err = pick(ctx, d, "datastore", p.Datastore, scope, f.DatastoreList, func(o *object.Datastore) string { return rel(dsRoot, o.InventoryPath) }); err != nil {
			return nil, err
		}
	}
	if t.Folder, err = d.findFolder(ctx, f, dc, p.Folder); errors.Is(err, ErrNotFound) && p.CreateFolder {
		t.Folder, err = d.createFolder(ctx, f, dc, p.Folder)
	}
	if err != nil {
		return nil, err
	}
	if p.DatastoreCluster != "" {
		if t.Datastore, err = d.recommendDatastore(ctx, f, t, p.DatastoreCluster, p.VMName); err != nil {
			return nil, err
		}
	}
	networks := func(ctx context.Context, arg string) ([]object.NetworkReference, error) {
		return d.attachableNetworks(ctx, f, arg)
	}
	netLabel := func(n object.NetworkReference) string {
		return strings.TrimPrefix(n.GetInventoryPath(), dc.InventoryPath+"/network/")
	}
	if t.Networks, err = d.findNetworks(ctx, f, dc, p.Networks); err != nil {
		return nil, err
	}
	if p.Network == "" && len(p.Networks) > 0 {
		t.Network = t.Networks[p.Networks[0]]
	} else if t.Network, err = pick(ctx, d, "network", p.Network, scope, networks, netLabel); err != nil {
		return nil, err
	}
	d.logf("vSphere: placement: %s", t)
	return t, nil
}

// findDatacenter resolves the datacenter by name (searched through folders) or path.
func (d *Driver) findDatacenter(ctx context.Context, f *find.Finder, name string) (*object.Datacenter, error) {
	return pick(ctx, d, "datacenter", name, "", f.DatacenterList, func(dc *object.Datacenter) string {
		return strings.TrimPrefix(dc.InventoryPath, "/")
	})
}

// findCompute resolves cluster, host and resource pool together: a named pool or host must
// lie inside a named cluster, and the pool defaults to the root pool of whatever was named.
func (d *Driver) findCompute(ctx context.Context, f *find.Finder, p Placement, t *Target) error {
	dc := t.Datacenter
	hostRoot := dc.InventoryPath + "/host/"
	scope := "datacenter " + dc.Name()
	under := "" // inventory path the host and pool must be inside
	var err error
	if p.Cluster != "" {
		if t.Cluster, err = pick(ctx, d, "cluster", p.Cluster, scope, f.ClusterComputeResourceList, func(o *object.ClusterComputeResource) string { return rel(hostRoot, o.InventoryPath) }); err != nil {
			return err
		}
		under, scope = t.Cluster.InventoryPath+"/", "cluster "+t.Cluster.Name()
	}
	if p.Host != "" {
		hosts := inside(f.HostSystemList, under, func(h *object.HostSystem) string { return h.InventoryPath })
		if t.Host, err = pick(ctx, d, "host", p.Host, scope, hosts, func(o *object.HostSystem) string { return rel(hostRoot, o.InventoryPath) }); err != nil {
			return err
		}
		// A host's siblings and pools live under its compute resource.
		under, scope = path.Dir(t.Host.InventoryPath)+"/", "host "+t.Host.Name()
	}
	switch {
	case p.ResourcePool != "":
		pools := inside(f.ResourcePoolList, under, func(rp *object.ResourcePool) string { return rp.InventoryPath })
		t.ResourcePool, err = pick(ctx, d, "resource_pool", p.ResourcePool, scope, pools, func(o *object.ResourcePool) string { return rel(hostRoot, o.InventoryPath) })
		return err
	case t.Host != nil:
		err = d.retry(ctx, "find the host's resource pool", func() (err error) {
			t.ResourcePool, err = t.Host.ResourcePool(ctx)
			return err
		})
	case t.Cluster != nil:
		err = d.retry(ctx, "find the cluster's resource pool", func() (err error) {
			t.ResourcePool, err = t.Cluster.ResourcePool(ctx)
			return err
		})
	default:
		var cr *object.ComputeResource
		if cr, err = pick(ctx, d, "cluster or host", "", scope, f.ComputeResourceList, func(o *object.ComputeResource) string { return rel(hostRoot, o.InventoryPath) }); err != nil {
			return err
		}
		err = d.retry(ctx, "find the resource pool", func() (err error) {
			t.ResourcePool, err = cr.ResourcePool(ctx)
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("resource pool: %w", err)
	}
	if t.ResourcePool.InventoryPath == "" {
		t.ResourcePool.InventoryPath, _ = find.InventoryPath(ctx, d.vc, t.ResourcePool.Reference())
	}
	return nil
}

// findFolder resolves a VM folder relative to the datacenter's VM folder. A full inventory
// path ("/DC0/vm/x") is accepted too.
func (d *Driver) findFolder(ctx context.Context, f *find.Finder, dc *object.Datacenter, name string) (*object.Folder, error) {
	if err := ValidateFolder("folder", name); err != nil {
		return nil, err
	}
	vmRoot := dc.InventoryPath + "/vm"
	full := vmRoot
	if p := strings.Trim(name, "/"); p != "" {
		full = vmRoot + "/" + p
		if strings.HasPrefix("/"+p+"/", vmRoot+"/") {
			full = "/" + p
		}
	}
	var folder *object.Folder
	err := d.retry(ctx, "find folder", func() (err error) {
		folder, err = f.Folder(ctx, full)
		return err
	})
	var nf *find.NotFoundError
	if errors.As(err, &nf) {
		var all []*object.Folder
		lerr := d.retry(ctx, "list folders", func() (err error) {
			all, err = f.FolderList(ctx, vmRoot+"/...")
			return err
		})
		if lerr != nil && !errors.As(lerr, &nf) {
			// Still a missing folder (errors.Is ErrNotFound), but without the list of
			// what exists, and the listing's own failure kept.
			return nil, fmt.Errorf("%w (listing the folders of datacenter %s failed: %w)",
				newPlacementError("folder", name, "datacenter "+dc.Name(), nil, false), dc.Name(), lerr)
		}
		var names []string
		for _, fo := range all {
			if rel := strings.TrimPrefix(fo.InventoryPath, vmRoot+"/"); rel != fo.InventoryPath {
				names = append(names, rel)
			}
		}
		return nil, newPlacementError("folder", name, "datacenter "+dc.Name(), names, false)
	}
	if err != nil {
		return nil, fmt.Errorf("folder %q: %w", name, err)
	}
	return folder, nil
}

// attachableNetworks lists networks a NIC can use: port groups and distributed port groups,
// but not distributed switches nor their uplink port groups.
func (d *Driver) attachableNetworks(ctx context.Context, f *find.Finder, arg string) ([]object.NetworkReference, error) {
	all, err := f.NetworkList(ctx, arg)
	if err != nil {
		return nil, err
	}
	var refs []types.ManagedObjectReference
	for _, n := range all {
		if n.Reference().Type == "DistributedVirtualPortgroup" {
			refs = append(refs, n.Reference())
		}
	}
	uplink := map[types.ManagedObjectReference]bool{}
	if len(refs) > 0 {
		var pgs []mo.DistributedVirtualPortgroup
		if err := property.DefaultCollector(d.vc).Retrieve(ctx, refs, []string{"config.uplink", "tag"}, &pgs); err != nil {
			return nil, err
		}
		for _, pg := range pgs {
			up := pg.Config.Uplink != nil && *pg.Config.Uplink
			for _, tag := range pg.Tag {
				up = up || tag.Key == "SYSTEM/DVS.UPLINKPG"
			}
			uplink[pg.Self] = up
		}
	}
	var out []object.NetworkReference
	for _, n := range all {
		switch n.Reference().Type {
		case "Network", "OpaqueNetwork":
			out = append(out, n)
		case "DistributedVirtualPortgroup":
			if !uplink[n.Reference()] {
				out = append(out, n)
			}
		}
	}
	if len(out) == 0 {
		return nil, &find.NotFoundError{}
	}
	return out, nil
}

// lister is the shape of the Finder's XxxList methods.
type lister[T any] func(ctx context.Context, path string) ([]T, error)

// inside restricts a lister to objects whose inventory path starts with prefix ("" keeps
// all), reporting "not found" when none remains.
func inside[T any](list lister[T], prefix string, pathOf func(T) string) lister[T] {
	if prefix == "" {
		return list
	}
	return func(ctx context.Context, arg string) ([]T, error) {
		all, err := list(ctx, arg)
		if err != nil {
			return nil, err
		}
		var out []T
		for _, o := range all {
			if strings.HasPrefix(pathOf(o), prefix) {
				out = append(out, o)
			}
		}
		if len(out) == 0 {
			return nil, &find.NotFoundError{}
		}
		return out, nil
	}
}

// pick resolves one placement option: the named object, or the only one when name is empty.
// Listing goes through the Finder (names are searched recursively through folders, paths
// are taken as given) with transient errors retried.
func pick[T any](ctx context.Context, d *Driver, kind, name, scope string, list lister[T], label func(T) string) (T, error) {
	var zero T
	listing := func(arg string) ([]T, error) {
		var items []T
		err := d.retry(ctx, "list "+kind, func() (err error) {
			items, err = list(ctx, arg)
			return err
		})
		var nf *find.NotFoundError
		if errors.As(err, &nf) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
		return items, nil
	}
	labels := func(items []T) []string {
		out := make([]string, len(items))
		for i, it := range items {
			out[i] = label(it)
		}
		return out
	}
	arg := name
	if arg == "" {
		arg = "*"
	}
	items, err := listing(arg)
	if err != nil {
		return zero, err
	}
	switch {
	case len(items) == 1:
		return items[0], nil
	case len(items) > 1:
		return zero, newPlacementError(kind, name, scope, labels(items), true)
	case name == "":
		return zero, newPlacementError(kind, "", scope, nil, false)
	}
	all, err := listing("*")
	if err != nil {
		return zero, err
	}
	return zero, newPlacementError(kind, name, scope, labels(all), false)
}

// rel returns an inventory path relative to root, the datacenter's folder of its kind.
func rel(root, p string) string { return strings.TrimPrefix(p, root) }
