package vsphere

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	vsdriver "github.com/seed844b7c54/packer-plugin-linuxkit/internal/vsphere"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// stateTagIDs holds the ids of the tags, []string, set by stepResolveTags.
const stateTagIDs = "tag_ids"

// stepResolveTags finds the tags of the tags option, in a run with tags
// only, before anything is created, so a missing category or tag stops the
// build early; with create_tags it creates the missing ones (which stay).
// It puts their ids (stateTagIDs) and has nothing to clean up.
type stepResolveTags struct {
	tags   []vsdriver.Tag
	create bool
}

func (s *stepResolveTags) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	names := make([]string, len(s.tags))
	for i, t := range s.tags {
		names[i] = t.String()
	}
	common.UI(state).Say(fmt.Sprintf("Finding the tags %s...", strings.Join(names, ", ")))
	ids, err := driver(state).ResolveTags(ctx, s.tags, s.create)
	if err != nil {
		return common.Halt(state, fmt.Errorf("tags: %w", err))
	}
	state.Put(stateTagIDs, ids)
	return multistep.ActionContinue
}

func (s *stepResolveTags) Cleanup(multistep.StateBag) {}

// stepAttachTags attaches the tags stepResolveTags found to what the run
// made, in a run with tags only: the VM (or the template it became), unless
// content_library.destroy removed it, and the content library item. It runs
// last; it has nothing to clean up: removing the VM or the item removes
// their tag associations.
type stepAttachTags struct{}

func (s *stepAttachTags) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui, d := common.UI(state), driver(state)
	ids := state.Get(stateTagIDs).([]string)
	if destroyed, _ := state.GetOk(stateDestroyed); destroyed != true {
		ui.Say(fmt.Sprintf("Attaching %d tags to the VM...", len(ids)))
		if err := d.AttachTags(ctx, ids, vm(state)); err != nil {
			return common.Halt(state, fmt.Errorf("tags: %w", err))
		}
	}
	if id := common.StateString(state, stateItemID); id != "" {
		ui.Say(fmt.Sprintf("Attaching %d tags to the content library item %s...", len(ids), id))
		if err := d.AttachTags(ctx, ids, vsdriver.LibraryItemRef(id)); err != nil {
			return common.Halt(state, fmt.Errorf("tags: %w", err))
		}
	}
	return multistep.ActionContinue
}

func (s *stepAttachTags) Cleanup(multistep.StateBag) {}
