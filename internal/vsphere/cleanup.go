package vsphere

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// CleanupByBuildID destroys every VM and template under dc (nil: the whole inventory) whose
// extraConfig BuildIDKey equals buildID, and returns their inventory paths. It keeps going
// past a failure and reports all of them at the end.
func (d *Driver) CleanupByBuildID(ctx context.Context, dc *object.Datacenter, buildID string) ([]string, error) {
	if buildID == "" {
		return nil, errors.New("cleanup: an empty build id matches nothing safely")
	}
	vms, err := d.vmsWithBuildID(ctx, dc, buildID)
	if err != nil {
		return nil, fmt.Errorf("cleanup of build %s: %w", buildID, err)
	}
	var removed []string
	var errs []error
	for _, vm := range vms {
		if err := d.DestroyVM(ctx, vm); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, vmName(vm))
	}
	if len(errs) > 0 {
		return removed, fmt.Errorf("cleanup of build %s: %w", buildID, errors.Join(errs...))
	}
	return removed, nil
}

// vmsWithBuildID lists the VMs under dc tagged with buildID, through one container view and
// one property retrieval.
func (d *Driver) vmsWithBuildID(ctx context.Context, dc *object.Datacenter, buildID string) ([]*object.VirtualMachine, error) {
	root := d.vc.ServiceContent.RootFolder
	if dc != nil {
		root = dc.Reference()
	}
	var found []mo.VirtualMachine
	err := d.retry(ctx, "list VMs", func() error {
		v, err := view.NewManager(d.vc).CreateContainerView(ctx, root, []string{"VirtualMachine"}, true)
		if err != nil {
			return err
		}
		defer func() { _ = v.Destroy(context.WithoutCancel(ctx)) }()
		var refs []types.ManagedObjectReference
		if refs, err = v.Find(ctx, []string{"VirtualMachine"}, nil); err != nil || len(refs) == 0 {
			return err
		}
		found = nil
		return property.DefaultCollector(d.vc).Retrieve(ctx, refs, []string{"name", "config.extraConfig"}, &found)
	})
	if err != nil {
		return nil, err
	}
	var out []*object.VirtualMachine
	for _, m := range found {
		if m.Config != nil && extraConfigValue(m.Config.ExtraConfig, BuildIDKey) == buildID {
			vm := object.NewVirtualMachine(d.vc, m.Self)
			vm.InventoryPath, _ = find.InventoryPath(ctx, d.vc, m.Self)
			out = append(out, vm)
		}
	}
	return out, nil
}

// Cleanup removes what one build left behind: the VMs and templates tagged with buildID in
// the target's datacenter, and the datastore files the build uploaded (each with its
// sidecar). It never deletes a file that is not listed. Missing objects are not errors.
func (d *Driver) Cleanup(ctx context.Context, t *Target, buildID string, uploadedFiles []string) error {
	var errs []error
	removed, err := d.CleanupByBuildID(ctx, t.Datacenter, buildID)
	for _, r := range removed {
		d.logf("vSphere: cleanup: removed %s", r)
	}
	if err != nil {
		errs = append(errs, err)
	}
	for _, f := range uploadedFiles {
		for _, p := range []string{f, SidecarPath(f)} {
			if err := d.DeleteFile(ctx, t, p); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// ReconnectAndCleanup opens a new session (the build's own may have died with the
// connection) and runs Cleanup in the placement's datacenter. Only the datacenter, and the
// datastore when a file path does not name its own, are resolved, so a cleanup does not
// fail on placement options it does not need.
func ReconnectAndCleanup(ctx context.Context, cfg ConnectConfig, p Placement, buildID string, uploadedFiles []string) error {
	d, err := Connect(ctx, cfg)
	if err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	defer d.Close()
	f := find.NewFinder(d.vc, true)
	dc, err := d.findDatacenter(ctx, f, p.Datacenter)
	if err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	f.SetDatacenter(dc)
	t := &Target{Datacenter: dc}
	files, relative := uploadedFiles, false
	for _, file := range uploadedFiles {
		relative = relative || !strings.HasPrefix(file, "[")
	}
	var dsErr error
	if relative {
		scope := "datacenter " + dc.Name()
		t.Datastore, dsErr = pick(ctx, d, "datastore", p.Datastore, scope, f.DatastoreList,
			func(o *object.Datastore) string { return rel(dc.InventoryPath+"/datastore/", o.InventoryPath) })
		if dsErr != nil {
			// Still remove the VMs and the files that name their datastore.
			files = nil
			for _, file := range uploadedFiles {
				if strings.HasPrefix(file, "[") {
					files = append(files, file)
				}
			}
			dsErr = fmt.Errorf("cleanup: files not removed: %w", dsErr)
		}
	}
	return errors.Join(d.Cleanup(ctx, t, buildID, files), dsErr)
}
