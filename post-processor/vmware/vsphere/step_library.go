package vsphere

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	vsdriver "github.com/seed844b7c54/packer-plugin-linuxkit/internal/vsphere"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// stepLibrary publishes the VM to the content library, in a run with a
// content_library block only (a VM template item, or with ovf an OVF item),
// then destroys the VM when content_library.destroy asks for it. It runs
// before the VM is marked as a template, since vCenter publishes from a VM.
// It puts the item's id (stateItemID). Cleanup deletes the published item
// after a failure or a cancellation.
type stepLibrary struct {
	vmName  string
	item    vsdriver.LibraryItem
	destroy bool // content_library.destroy
}

func (s *stepLibrary) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui, d := common.UI(state), driver(state)
	kind := "VM template"
	if s.item.OVF {
		kind = "OVF"
	}
	ui.Say(fmt.Sprintf("Publishing %q to the content library %q as the %s item %q...", s.vmName, s.item.Library, kind, s.item.Name))
	id, err := d.PublishToLibrary(ctx, target(state), vm(state), s.item)
	if err != nil {
		return common.Halt(state, fmt.Errorf("publishing to the content library %q: %w", s.item.Library, err))
	}
	state.Put(stateItemID, id)
	ui.Say(fmt.Sprintf("Content library item %s", id))
	if s.destroy {
		ui.Say(fmt.Sprintf("Removing the VM %q (content_library.destroy)...", s.vmName))
		if err := d.DestroyVM(ctx, vm(state)); err != nil {
			return common.Halt(state, fmt.Errorf("removing the VM after publishing it: %w", err))
		}
		state.Put(stateDestroyed, true)
	}
	return multistep.ActionContinue
}

func (s *stepLibrary) Cleanup(state multistep.StateBag) {
	id := common.StateString(state, stateItemID)
	if id == "" || !common.Failed(state) {
		return
	}
	ui := common.UI(state)
	ctx, cancel := cleanupContext()
	defer cancel()
	ui.Say(fmt.Sprintf("Removing the content library item %s...", id))
	if err := driver(state).DeleteLibraryItem(ctx, id); err != nil {
		ui.Error(fmt.Sprintf("Removing the content library item %s: %v; remove it by hand", id, err))
	}
}
