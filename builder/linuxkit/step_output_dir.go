package linuxkit

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// stepOutputDir creates output_directory (replacing it with -force) and, when
// the build fails or is cancelled, removes it again, so no half-written
// artifact is left behind.
type stepOutputDir struct {
	dir     string
	force   bool
	created bool
}

func (s *stepOutputDir) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	ui := state.Get(stateUI).(packersdk.Ui)
	if _, err := os.Stat(s.dir); err == nil {
		if !s.force {
			return halt(state, fmt.Errorf("output_directory %q already exists; remove it or run packer with -force", s.dir))
		}
		ui.Say(fmt.Sprintf("Deleting the previous output directory %s (-force)", s.dir))
		if err := os.RemoveAll(s.dir); err != nil {
			return halt(state, fmt.Errorf("removing output_directory: %w", err))
		}
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return halt(state, fmt.Errorf("creating output_directory: %w", err))
	}
	s.created = true
	state.Put(stateOutputs, &outputs{dir: s.dir, formats: map[string]string{}})
	return multistep.ActionContinue
}

func (s *stepOutputDir) Cleanup(state multistep.StateBag) {
	if !s.created || !failed(state) {
		return
	}
	ui := state.Get(stateUI).(packersdk.Ui)
	ui.Say(fmt.Sprintf("Removing the unfinished output directory %s", s.dir))
	if err := os.RemoveAll(s.dir); err != nil {
		ui.Error(fmt.Sprintf("removing %s: %v", s.dir, err))
	}
}
