package vsphere

import (
	"context"
	"fmt"
	"strings"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"
)

// recommendDatastore resolves Placement.DatastoreCluster: the datastore cluster (a storage
// pod) by name, then the datastore Storage DRS recommends in it for a new VM called name in
// the target's pool and folder. The recommendation is for the VM's home (the ISO upload and
// the disks follow it onto the same datastore).
func (d *Driver) recommendDatastore(ctx context.Context, f *find.Finder, t *Target, cluster, name string) (*object.Datastore, error) {
	dsRoot := t.Datacenter.InventoryPath + "/datastore/"
	pod, err := pick(ctx, d, "datastore_cluster", cluster, "datacenter "+t.Datacenter.Name(), f.DatastoreClusterList,
		func(o *object.StoragePod) string { return strings.TrimPrefix(o.InventoryPath, dsRoot) })
	if err != nil {
		return nil, err
	}
	podRef, pool, folder := pod.Reference(), t.ResourcePool.Reference(), t.Folder.Reference()
	spec := types.StoragePlacementSpec{
		Type:         string(types.StoragePlacementSpecPlacementTypeCreate),
		ResourcePool: &pool,
		Folder:       &folder,
		PodSelectionSpec: types.StorageDrsPodSelectionSpec{
			StoragePod:      &podRef,
			InitialVmConfig: []types.VmPodConfigForPlacement{{StoragePod: podRef}},
		},
		ConfigSpec: &types.VirtualMachineConfigSpec{Name: name, Files: &types.VirtualMachineFileInfo{VmPathName: ""}},
	}
	if t.Host != nil {
		h := t.Host.Reference()
		spec.Host = &h
	}
	var res *types.StoragePlacementResult
	err = d.retry(ctx, "recommend a datastore", func() (err error) {
		res, err = object.NewStorageResourceManager(d.vc).RecommendDatastores(ctx, spec)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("datastore_cluster %q: Storage DRS recommendation: %w", cluster, err)
	}
	for _, r := range res.Recommendations {
		for _, a := range r.Action {
			if p, ok := a.(*types.StoragePlacementAction); ok {
				ds := object.NewDatastore(d.vc, p.Destination)
				var name string
				if err := d.retry(ctx, "read the datastore's name", func() (err error) {
					name, err = ds.ObjectName(ctx)
					return err
				}); err != nil {
					return nil, fmt.Errorf("datastore_cluster %q: %w", cluster, err)
				}
				ds.InventoryPath = pod.InventoryPath + "/" + name
				d.logf("vSphere: datastore_cluster %s: Storage DRS recommends %s", pod.Name(), name)
				return ds, nil
			}
		}
	}
	return nil, fmt.Errorf("datastore_cluster %q: Storage DRS made no recommendation (is Storage DRS on, and does the cluster hold a datastore?)", cluster)
}
