package linuxkit

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

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

// pullProgress reports each image's download in Packer's UI, at most every
// two seconds per image plus once when it completes.
func pullProgress(ui packersdk.Ui) func(image.Progress) {
	var mu sync.Mutex
	last := map[string]time.Time{}
	return func(p image.Progress) {
		mu.Lock()
		defer mu.Unlock()
		done := p.Total > 0 && p.Complete >= p.Total
		if !done && time.Since(last[p.Ref]) < 2*time.Second {
			return
		}
		last[p.Ref] = time.Now()
		if p.Total > 0 {
			ui.Say(fmt.Sprintf("%s: %s of %s (%d%%)", p.Ref, humanBytes(p.Complete), humanBytes(p.Total), p.Complete*100/p.Total))
		} else {
			ui.Say(fmt.Sprintf("%s: %s", p.Ref, humanBytes(p.Complete)))
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
