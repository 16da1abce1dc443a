package linuxkit

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/rootfs"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
)

// stepTar writes the whole filesystem, boot files included, as <name>.tar.
type stepTar struct {
	name string
}

func (s *stepTar) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui := state.Get(stateUI).(packersdk.Ui)
	out := state.Get(stateOutputs).(*outputs)
	tree := state.Get(stateTree).(*rootfs.Tree)
	path := filepath.Join(out.dir, s.name+".tar")
	start := time.Now()
	if err := safeio.WriteFile(path, func(f *os.File) error { return tree.WriteTar(ctx, f) }); err != nil {
		return halt(state, err)
	}
	out.add(FormatTar, path, true)
	sayWrote(ui, path, start)
	return multistep.ActionContinue
}

func (s *stepTar) Cleanup(multistep.StateBag) {}
