package vsphere

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"
)

// createFolder makes the VM folder name (relative to the datacenter's VM folder, as
// findFolder takes it), with each missing folder above it, and returns it
// (Placement.CreateFolder). A folder that another run made meanwhile is used as it is.
// Folders are never removed again: a folder is shared placement, like a datastore folder.
func (d *Driver) createFolder(ctx context.Context, f *find.Finder, dc *object.Datacenter, name string) (*object.Folder, error) {
	vmRoot := dc.InventoryPath + "/vm"
	rel := strings.Trim(name, "/")
	if strings.HasPrefix("/"+rel+"/", vmRoot+"/") {
		rel = strings.TrimPrefix(strings.TrimPrefix("/"+rel, vmRoot), "/")
	}
	var parent *object.Folder
	err := d.retry(ctx, "find folder", func() (err error) {
		parent, err = f.Folder(ctx, vmRoot)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("folder %q: %w", name, err)
	}
	at := vmRoot
	for _, part := range strings.Split(rel, "/") {
		at += "/" + part
		var next *object.Folder
		err := d.retry(ctx, "find folder", func() (err error) {
			next, err = f.Folder(ctx, at)
			return err
		})
		var nf *find.NotFoundError
		if errors.As(err, &nf) {
			next, err = parent.CreateFolder(ctx, part)
			if fault.Is(err, &types.DuplicateName{}) {
				next, err = f.Folder(ctx, at)
			} else if err == nil {
				next.InventoryPath = at
				d.logf("vSphere: created the folder %s (create_folder)", at)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("create_folder: folder %s: %w", at, err)
		}
		parent = next
	}
	return parent, nil
}
