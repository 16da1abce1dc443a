package vsphere

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// Build is what one build made in vSphere, as far as the build itself knows: a cleanup
// removes it, and when it cannot, its error names it.
type Build struct {
	// ID is the build id every VM and template of the build carries (extraConfig
	// BuildIDKey). VMs are found, and removed, by it.
	ID string
	// VMs are the inventory paths of the build's VMs and templates that the build knows of.
	// They are named in a cleanup error; removal goes by ID, so one missing here goes too.
	VMs []string
	// Files are the datastore paths the build uploaded; each goes with its sidecar.
	Files []string
	// LibraryItems are the ids of the content library items the build published.
	LibraryItems []string
}

// Cleanup removes what one build left behind: the VMs and templates tagged with buildID in
// the target's datacenter, and the datastore files the build uploaded (each with its
// sidecar). It is CleanupBuild for a build that knows only its files.
func (d *Driver) Cleanup(ctx context.Context, t *Target, buildID string, uploadedFiles []string) error {
	return d.CleanupBuild(ctx, t, Build{ID: buildID, Files: uploadedFiles})
}

// CleanupBuild removes, over this session, b's content library items (for a VM template
// item vCenter also removes its template), the VMs and templates tagged with b.ID in the
// target's datacenter, and b's files with their sidecars. It never deletes a file that is
// not listed, and missing objects are not errors. When something cannot be removed the
// error is a *CleanupError naming it.
func (d *Driver) CleanupBuild(ctx context.Context, t *Target, b Build) error {
	var errs []error
	var left []string
	for _, id := range b.LibraryItems {
		if err := d.DeleteLibraryItem(ctx, id); err != nil {
			errs, left = append(errs, err), append(left, "library item "+id)
		}
	}
	removed, err := d.CleanupByBuildID(ctx, t.Datacenter, b.ID)
	for _, r := range removed {
		d.logf("vSphere: cleanup: removed %s", r)
	}
	if err != nil {
		errs = append(errs, err)
		for _, vm := range b.VMs {
			if !slices.Contains(removed, vm) {
				left = append(left, "VM "+vm)
			}
		}
	}
	for _, f := range b.Files {
		for _, p := range []string{f, SidecarPath(f)} {
			if err := d.DeleteFile(ctx, t, p); err != nil {
				errs, left = append(errs, err), append(left, "file "+p)
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &CleanupError{BuildID: b.ID, Left: left, Err: errors.Join(errs...)}
}

// ReconnectAndCleanup is ReconnectAndCleanupBuild for a build that knows only its id and
// its uploaded files.
func ReconnectAndCleanup(ctx context.Context, cfg ConnectConfig, p Placement, buildID string, uploadedFiles []string) error {
	return ReconnectAndCleanupBuild(ctx, cfg, p, Build{ID: buildID, Files: uploadedFiles})
}

// ReconnectAndCleanupBuild opens a new session (the build's own may have died with the
// connection) and runs CleanupBuild in the placement's datacenter. Only the datacenter, and
// the datastore when a file path does not name its own, are resolved, so a cleanup does not
// fail on placement options it does not need. When vCenter cannot be reached the error is a
// *CleanupError that lists everything b names, since all of it may be left.
func ReconnectAndCleanupBuild(ctx context.Context, cfg ConnectConfig, p Placement, b Build) error {
	unreached := func(err error) error {
		return &CleanupError{BuildID: b.ID, Left: b.everything(), Err: err}
	}
	d, err := Connect(ctx, cfg)
	if err != nil {
		return unreached(err)
	}
	defer d.Close()
	f := find.NewFinder(d.vc, true)
	dc, err := d.findDatacenter(ctx, f, p.Datacenter)
	if err != nil {
		return unreached(err)
	}
	f.SetDatacenter(dc)
	t := &Target{Datacenter: dc}
	var relative []string
	for _, file := range b.Files {
		if !strings.HasPrefix(file, "[") {
			relative = append(relative, file)
		}
	}
	var dsErr error
	var dsLeft []string
	if len(relative) > 0 {
		scope := "datacenter " + dc.Name()
		t.Datastore, dsErr = pick(ctx, d, "datastore", p.Datastore, scope, f.DatastoreList,
			func(o *object.Datastore) string { return rel(dc.InventoryPath+"/datastore/", o.InventoryPath) })
		if dsErr != nil {
			// Still remove the library items, the VMs and the files that name their datastore.
			b.Files = slices.DeleteFunc(slices.Clone(b.Files), func(f string) bool { return !strings.HasPrefix(f, "[") })
			dsErr, dsLeft = fmt.Errorf("files not removed: %w", dsErr), Build{Files: relative}.everything()
		}
	}
	err = d.CleanupBuild(ctx, t, b)
	if dsErr == nil {
		return err
	}
	ce := &CleanupError{BuildID: b.ID, Left: dsLeft, Err: dsErr}
	if prev := (*CleanupError)(nil); errors.As(err, &prev) {
		ce.Left, ce.Err = append(prev.Left, dsLeft...), errors.Join(prev.Err, dsErr)
	}
	return ce
}

// everything names each object b lists, the way a CleanupError does.
func (b Build) everything() []string {
	var out []string
	for _, id := range b.LibraryItems {
		out = append(out, "library item "+id)
	}
	for _, vm := range b.VMs {
		out = append(out, "VM "+vm)
	}
	for _, f := range b.Files {
		out = append(out, "file "+f, "file "+SidecarPath(f))
	}
	return out
}
