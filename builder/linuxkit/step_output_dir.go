package linuxkit

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
)

// stepOutputDir creates output_directory (replacing it with -force) and marks
// it as the plugin's (safeio.MkdirOwned), so a later -force may replace it.
// When the build fails or is cancelled, Cleanup removes it again, so no
// half-written artifact is left behind.
type stepOutputDir struct {
	dir       string
	force     bool
	specFiles []string
	cacheDir  string
	created   bool
}

func (s *stepOutputDir) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	ui := state.Get(stateUI).(packersdk.Ui)
	if _, err := os.Stat(s.dir); err == nil {
		if !s.force {
			return halt(state, fmt.Errorf("output_directory %q already exists; remove it or run packer with -force", s.dir))
		}
		if err := checkReplaceable(s.dir, s.specFiles, s.cacheDir); err != nil {
			return halt(state, err)
		}
		ui.Say(fmt.Sprintf("Deleting the previous output directory %s (-force)", s.dir))
		if err := os.RemoveAll(s.dir); err != nil {
			return halt(state, fmt.Errorf("removing output_directory: %w", err))
		}
	}
	s.created = true // from here on, a failure removes what was made
	if err := safeio.MkdirOwned(s.dir); err != nil {
		return halt(state, fmt.Errorf("output_directory: %w", err))
	}
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

// checkReplaceable refuses to let -force delete a folder the user keeps: the
// root, the working directory, the home directory or a folder above them,
// one holding a spec file or the image cache, or one holding anything the
// plugin did not write (safeio.CheckReplaceable, the guard every component
// shares; symlinks are resolved before comparing).
func checkReplaceable(dir string, specFiles []string, cacheDir string) error {
	keep := []safeio.Keep{{Path: cacheDir, What: "the image cache"}}
	for _, f := range specFiles {
		keep = append(keep, safeio.Keep{Path: f, What: "the spec file"})
	}
	return safeio.CheckReplaceable(dir, keep...)
}
