package vsphere

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vapi/library"
	"github.com/vmware/govmomi/vapi/vcenter"
	"github.com/vmware/govmomi/vim25/types"
)

// LibraryItem says how to publish a VM to a content library.
type LibraryItem struct {
	// Library is the content library's name (or id); it must exist.
	Library string
	// Name is the item's name; Description its description.
	Name        string
	Description string
	// OVF publishes an OVF package instead of a VM template item. An OVF drops the CD-ROM's
	// ISO, so only VMs that boot from their disk make useful OVF items.
	OVF bool
	// Overwrite replaces an item of the same name (it is deleted, then published again);
	// without it an existing item is ErrExists.
	Overwrite bool
	// Flags are the OVF item's flags ("EXTRA_CONFIG", "PRESERVE_MAC"): what of the VM it
	// keeps beyond vSphere's defaults. OVF items only.
	Flags []string
}

// PublishToLibrary publishes the (powered-off) VM as a content library item and returns the
// item's id. A VM template item is a clone vCenter keeps in the target's folder, pool and
// datastore, so it needs its own name; an OVF item is a package in the library's storage.
func (d *Driver) PublishToLibrary(ctx context.Context, t *Target, vm *object.VirtualMachine, item LibraryItem) (string, error) {
	if item.Library == "" || item.Name == "" {
		return "", fmt.Errorf("content library: the library and the item name are required")
	}
	if err := ValidateName("content_library.name", item.Name); err != nil {
		return "", err
	}
	rc, err := d.restClient(ctx)
	if err != nil {
		return "", err
	}
	lm := library.NewManager(rc)
	lib, err := d.findLibrary(ctx, lm, item.Library)
	if err != nil {
		return "", err
	}
	var existing []string
	err = d.retry(ctx, "find library items", func() (err error) {
		existing, err = lm.FindLibraryItems(ctx, library.FindItem{LibraryID: lib.ID, Name: item.Name})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("content library %q: %w", lib.Name, err)
	}
	if len(existing) > 0 && !item.Overwrite {
		return "", fmt.Errorf("content library %q already has an item %q (set overwrite to replace it): %w", lib.Name, item.Name, ErrExists)
	}
	if len(existing) > 0 {
		// A VM template item's template VM, in the folder the new one goes to, must be
		// gone before the name can be used again; vCenter removes it with the item.
		var old *object.VirtualMachine
		if !item.OVF {
			if old, err = d.FindVM(ctx, t, item.Name); err != nil {
				return "", err
			}
		}
		for _, id := range existing {
			d.logf("vSphere: overwrite: deleting library item %s/%s (%s)", lib.Name, item.Name, id)
			if err := d.DeleteLibraryItem(ctx, id); err != nil {
				return "", err
			}
		}
		if old != nil {
			if err := d.waitGone(ctx, old.Reference(), 5*time.Minute); err != nil {
				return "", fmt.Errorf("overwrite library item %q: the old template %s: %w", item.Name, vmName(old), err)
			}
		}
	}
	vcm := vcenter.NewManager(rc)
	var id string
	if item.OVF {
		id, err = vcm.CreateOVF(ctx, vcenter.OVF{
			Spec:   vcenter.CreateSpec{Name: item.Name, Description: item.Description, Flags: item.Flags},
			Source: vcenter.ResourceID{Type: "VirtualMachine", Value: vm.Reference().Value},
			Target: vcenter.LibraryTarget{LibraryID: lib.ID},
		})
	} else {
		placement := &library.Placement{Folder: t.Folder.Reference().Value, ResourcePool: t.ResourcePool.Reference().Value}
		if t.Host != nil {
			placement.Host = t.Host.Reference().Value
		}
		storage := &vcenter.DiskStorage{Datastore: t.Datastore.Reference().Value}
		id, err = vcm.CreateTemplate(ctx, vcenter.Template{
			Name:          item.Name,
			Description:   item.Description,
			Library:       lib.ID,
			SourceVM:      vm.Reference().Value,
			Placement:     placement,
			DiskStorage:   storage,
			VMHomeStorage: storage,
		})
	}
	kind := map[bool]string{true: "OVF", false: "VM template"}[item.OVF]
	if err != nil {
		return "", fmt.Errorf("publish %s to content library %q as %s item %q: %w", vmName(vm), lib.Name, kind, item.Name, err)
	}
	d.logf("vSphere: published %s to content library %q as %s item %q (%s)", vmName(vm), lib.Name, kind, item.Name, id)
	return id, nil
}

// DeleteLibraryItem removes a content library item by id (for a VM template item, vCenter
// also removes its template). An item that is already gone is not an error.
func (d *Driver) DeleteLibraryItem(ctx context.Context, id string) error {
	rc, err := d.restClient(ctx)
	if err != nil {
		return err
	}
	lm := library.NewManager(rc)
	err = d.retry(ctx, "delete library item", func() error {
		return lm.DeleteLibraryItem(ctx, &library.Item{ID: id})
	})
	if err != nil && !isStatus(err, 404) {
		return fmt.Errorf("delete library item %s: %w", id, err)
	}
	return nil
}

// findLibrary finds a content library by name, else by id, listing the names when neither
// matches.
func (d *Driver) findLibrary(ctx context.Context, lm *library.Manager, name string) (*library.Library, error) {
	var libs []library.Library
	err := d.retry(ctx, "list content libraries", func() (err error) {
		libs, err = lm.GetLibraries(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list content libraries: %w", err)
	}
	var names []string
	for i := range libs {
		if libs[i].Name == name {
			return &libs[i], nil
		}
		names = append(names, libs[i].Name)
	}
	for i := range libs {
		if libs[i].ID == name {
			return &libs[i], nil
		}
	}
	sort.Strings(names)
	return nil, newPlacementError("content library", name, "", names, false)
}

// waitGone waits until the managed object ref no longer exists, watching it through the
// property collector (vCenter reports its removal as a "leave" update).
func (d *Driver) waitGone(ctx context.Context, ref types.ManagedObjectReference, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	filter := new(property.WaitFilter).Add(ref, ref.Type, []string{"name"})
	err := property.WaitForUpdates(ctx, property.DefaultCollector(d.vc), filter, func(updates []types.ObjectUpdate) bool {
		for _, u := range updates {
			if u.Kind == types.ObjectUpdateKindLeave {
				return true
			}
		}
		return false
	})
	if err != nil && !isGone(err) {
		return err
	}
	return nil
}
