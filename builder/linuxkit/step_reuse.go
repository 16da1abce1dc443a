package linuxkit

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/resolve"
)

// stepReuse digests the build's inputs (stateReuseKey, which the build record
// keeps) and, under -force, keeps the previous build's outputs when
// output_directory holds the outputs of the same inputs, unchanged
// (stateReused): the steps after it are then skipped. It runs after the
// steps that find the inputs (resolve, verify, boot files) and before the
// output directory is replaced.
type stepReuse struct {
	config *Config
}

func (s *stepReuse) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui := state.Get(stateUI).(packersdk.Ui)
	c := s.config
	key, err := inputsKey(c, state.Get(stateResolved).(*resolve.Resolved), bootSums(state))
	if err != nil {
		log.Printf("reuse_outputs: %v; the build is not recorded", err)
		return multistep.ActionContinue
	}
	state.Put(stateReuseKey, key)
	if !c.PackerForce {
		return multistep.ActionContinue
	}
	if _, err := os.Stat(c.OutputDir); err != nil || checkReplaceable(c.OutputDir, c.SpecFiles, c.CacheDir) != nil {
		return multistep.ActionContinue // the output directory step says what is wrong
	}
	a, why, err := reusable(ctx, c.OutputDir, key)
	switch {
	case err != nil && ctx.Err() != nil:
		return halt(state, err)
	case err != nil:
		ui.Say(fmt.Sprintf("Building again: %v", err))
	case a == nil && why != "":
		ui.Say(fmt.Sprintf("Building again: %s", why))
	case a != nil:
		ui.Say(fmt.Sprintf("Kept the outputs in %s: the same spec, options, boot files and plugin built them, and none has changed (reuse_outputs = false builds them again)", c.OutputDir))
		state.Put(stateReused, a)
	}
	return multistep.ActionContinue
}

func (s *stepReuse) Cleanup(multistep.StateBag) {}
