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
	scan bool // catalogue the stream for the SBOM (when no initrd is written)
}

func (s *stepTar) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui := state.Get(stateUI).(packersdk.Ui)
	out := state.Get(stateOutputs).(*outputs)
	tree := state.Get(stateTree).(*rootfs.Tree)
	path := filepath.Join(out.dir, s.name+".tar")
	start := time.Now()
	scan := startScan(ctx, s.scan)
	err := safeio.WriteFile(path, func(f *os.File) error { return tree.WriteTar(ctx, scan.teeTo(f)) })
	if serr := scan.done(state); err == nil {
		err = serr
	}
	if err != nil {
		return halt(state, err)
	}
	out.add(FormatTar, path, true)
	sayWrote(ui, path, start)
	return multistep.ActionContinue
}

func (s *stepTar) Cleanup(multistep.StateBag) {}
