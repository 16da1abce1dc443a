package linuxkit

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/assemble"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/image"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/resolve"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/rootfs"
)

// stepAssemble lays the pinned spec out as a filesystem tree (headers only;
// file contents stay in the cached layers until a format streams them).
type stepAssemble struct {
	store *image.Store
}

func (s *stepAssemble) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui := state.Get(stateUI).(packersdk.Ui)
	r := state.Get(stateResolved).(*resolve.Resolved)
	mtime, err := sourceDateEpoch()
	if err != nil {
		return halt(state, err)
	}
	plan, err := assemble.Plan(r.Spec, s.store.Image, assemble.Options{ModTime: mtime, Metadata: r.Public})
	if err != nil {
		return halt(state, err)
	}
	plan.IndexCache = s.store // a warm build lists cached layers without decompressing them
	start := time.Now()
	tree, err := rootfs.Index(ctx, plan)
	if err != nil {
		return halt(state, err)
	}
	st := tree.Stats()
	ui.Say(fmt.Sprintf("Assembled the root filesystem in %s: %d entries, %s", time.Since(start).Round(time.Millisecond), st.Entries, humanBytes(st.Bytes)))
	state.Put(statePlan, plan)
	state.Put(stateTree, tree)
	return multistep.ActionContinue
}

func (s *stepAssemble) Cleanup(multistep.StateBag) {}

// sourceDateEpoch honours SOURCE_DATE_EPOCH for the mtimes the build creates;
// zero means linuxkit's fixed time.
func sourceDateEpoch() (time.Time, error) {
	v := os.Getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds", v)
	}
	return time.Unix(n, 0).UTC(), nil
}
