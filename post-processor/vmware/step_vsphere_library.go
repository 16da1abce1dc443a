package vmware

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vsphere"
)

// stepVSphereLibrary publishes the VM to the content library when a
// content_library block is set (a VM template item, or with ovf an OVF
// item), then destroys the VM when content_library.destroy asks for it. It
// runs before the VM is marked as a template, since vCenter publishes from a
// VM. Cleanup deletes the published item after a failure or a cancellation.
type stepVSphereLibrary struct{}

func (s *stepVSphereLibrary) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r, ui := vsphereState(state)
	cl := r.cfg.ContentLibrary
	if cl == nil {
		return multistep.ActionContinue
	}
	kind := "VM template"
	if cl.OVF {
		kind = "OVF"
	}
	ui.Say(fmt.Sprintf("Publishing %q to the content library %q as the %s item %q...", r.cfg.VMName, cl.Library, kind, cl.Name))
	id, err := r.driver.PublishToLibrary(ctx, r.target, r.vm, vsphere.LibraryItem{
		Library:     cl.Library,
		Name:        cl.Name,
		Description: cl.Description,
		OVF:         cl.OVF,
		Overwrite:   r.cfg.Overwrite,
	})
	if err != nil {
		return vsphereHalt(state, fmt.Errorf("publishing to the content library %q: %w", cl.Library, err))
	}
	r.itemID = id
	ui.Say(fmt.Sprintf("Content library item %s", id))
	if cl.Destroy {
		ui.Say(fmt.Sprintf("Removing the VM %q (content_library.destroy)...", r.cfg.VMName))
		if err := r.driver.DestroyVM(ctx, r.vm); err != nil {
			return vsphereHalt(state, fmt.Errorf("removing the VM after publishing it: %w", err))
		}
		r.destroyed = true
	}
	return multistep.ActionContinue
}

func (s *stepVSphereLibrary) Cleanup(state multistep.StateBag) {
	r, ui := vsphereState(state)
	if r.itemID == "" || !vsphereFailed(state) {
		return
	}
	ctx, cancel := cleanupContext()
	defer cancel()
	ui.Say(fmt.Sprintf("Removing the content library item %s...", r.itemID))
	if err := r.driver.DeleteLibraryItem(ctx, r.itemID); err != nil {
		ui.Error(fmt.Sprintf("Removing the content library item %s: %v; remove it by hand", r.itemID, err))
	}
}
