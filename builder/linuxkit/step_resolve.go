package linuxkit

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/common/progress"
	"github.com/seed844b7c54/packer-plugin-linuxkit/common/specconfig"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/image"
)

// stepResolve loads and merges the specs, pulls every image into the build's
// store (or finds it there) and pins each reference to its digest.
type stepResolve struct {
	config *specconfig.SpecConfig
	store  *image.Store
}

func (s *stepResolve) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui := state.Get(stateUI).(packersdk.Ui)
	ui.Say(fmt.Sprintf("Resolving images (pull = %s, cache %s)", s.config.Pull, s.config.CacheDir))
	r, err := s.config.Resolve(ctx, s.store)
	if err != nil {
		return halt(state, err)
	}
	for _, w := range r.Spec.Warnings {
		ui.Say("warning: " + w.Error())
	}
	ui.Say(fmt.Sprintf("Spec digest %s (%d images)", r.Digest, len(r.Images)))
	state.Put(stateResolved, r)
	return multistep.ActionContinue
}

func (s *stepResolve) Cleanup(multistep.StateBag) {}

// pullProgress shows each image's download as a progress bar (one per image, drawn when
// packer runs in a terminal) and says once, when it completes, what was pulled, so a log
// without a terminal still shows every pull.
func pullProgress(ui packersdk.Ui, bars *progress.Set) func(image.Progress) {
	var mu sync.Mutex
	said := map[string]bool{}
	return func(p image.Progress) {
		bars.Update(p.Ref, p.Complete, p.Total)
		if p.Total <= 0 || p.Complete < p.Total {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if !said[p.Ref] {
			said[p.Ref] = true
			ui.Say(fmt.Sprintf("Pulled %s (%s)", p.Ref, humanBytes(p.Total)))
		}
	}
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// fileSize is the size of the file at path for the UI, "?" when unknown.
func fileSize(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return "?"
	}
	return humanBytes(st.Size())
}
