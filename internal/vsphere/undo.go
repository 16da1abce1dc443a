package vsphere

import (
	"context"
	"errors"
	"fmt"

	"github.com/vmware/govmomi/vim25/mo"
)

// vmDir is the datastore folder vCenter makes for a new VM, "[datastore] <name>", and
// whether it was there before this build asked for the VM: only a folder the failed create
// made is removed again.
type vmDir struct {
	path    string
	existed bool
}

// vmDirBefore records the state of the folder a VM called name will get on the target's
// datastore. Names are validated first, so the folder is called exactly like the VM.
func (d *Driver) vmDirBefore(ctx context.Context, t *Target, name string) (vmDir, error) {
	fi, err := d.FileInfo(ctx, t, name)
	if err != nil {
		return vmDir{}, fmt.Errorf("VM %q: look for its datastore folder: %w", name, err)
	}
	return vmDir{path: fi.Path, existed: fi.Exists}, nil
}

// undoCreate takes back what a failed CreateVM or ImportVM left: the VM itself when it
// exists with this build's id, and the VM's datastore folder when the create made it (vCenter
// can fail after writing the folder's vmx, nvram and log). It runs on a context of its own,
// as the caller's may be what was cancelled. It returns cause, joined with an error naming
// whatever could not be removed.
func (d *Driver) undoCreate(ctx context.Context, t *Target, s VMSpec, dir vmDir, cause error) error {
	ctx, cancel := detached(ctx)
	defer cancel()
	var errs []error
	vm, err := d.FindVM(ctx, t, s.Name)
	if err == nil && vm != nil {
		var m mo.VirtualMachine
		err = d.retry(ctx, "read the build id of "+vm.InventoryPath, func() error {
			return vm.Properties(ctx, vm.Reference(), []string{"config.extraConfig"}, &m)
		})
		if err == nil && m.Config != nil && extraConfigValue(m.Config.ExtraConfig, BuildIDKey) == s.BuildID {
			err = d.DestroyVM(ctx, vm)
		}
	}
	if err != nil {
		errs = append(errs, fmt.Errorf("the half-made VM %s/%s may be left (a cleanup by build id %s removes it): %w",
			t.Folder.InventoryPath, s.Name, s.BuildID, err))
	}
	if !dir.existed {
		fi, err := d.FileInfo(ctx, t, dir.path)
		if err == nil && fi.Exists {
			if err = d.DeleteFile(ctx, t, dir.path); err == nil {
				d.logf("vSphere: removed the datastore folder %s the failed create left", dir.path)
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("the datastore folder %s may be left: %w", dir.path, err))
		}
	}
	if len(errs) == 0 {
		return cause
	}
	return errors.Join(append([]error{cause}, errs...)...)
}
