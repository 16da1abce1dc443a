package linuxkit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// stepOutputDir creates output_directory (replacing it with -force) and, when
// the build fails or is cancelled, removes it again, so no half-written
// artifact is left behind.
type stepOutputDir struct {
	dir       string
	force     bool
	specFiles []string
	created   bool
}

func (s *stepOutputDir) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	ui := state.Get(stateUI).(packersdk.Ui)
	if _, err := os.Stat(s.dir); err == nil {
		if !s.force {
			return halt(state, fmt.Errorf("output_directory %q already exists; remove it or run packer with -force", s.dir))
		}
		if err := checkReplaceable(s.dir, s.specFiles); err != nil {
			return halt(state, err)
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

// checkReplaceable refuses to let -force delete a directory that holds the
// working directory, the user's home or a spec file: output_directory = "."
// with -force must not wipe the template.
func checkReplaceable(dir string, specFiles []string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("output_directory: %w", err)
	}
	inside := func(p string) bool {
		p, err := filepath.Abs(p)
		if err != nil {
			return true
		}
		return p == abs || strings.HasPrefix(p, abs+string(filepath.Separator))
	}
	cwd, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	if abs == filepath.Dir(abs) || inside(cwd) || (home != "" && inside(home)) {
		return fmt.Errorf("output_directory %q holds the working directory or your home; -force will not delete it", dir)
	}
	for _, f := range specFiles {
		if inside(f) {
			return fmt.Errorf("output_directory %q holds the spec file %s; -force will not delete it", dir, f)
		}
	}
	return nil
}
