package desktop

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vmdk"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// stepBootMedia copies the artifact's boot medium (stateBoot: the vmdk or
// the ISO) into the VM folder (stateDir) and puts the copy's name
// (stateBootFile), so the VM never runs from the builder's files: a
// rebuild then cannot corrupt a running VM, and deleting the builder's files
// (keep_input_artifact = false) cannot break it. The copy keeps the file's
// name, which a monolithicSparse vmdk also carries in its descriptor.
type stepBootMedia struct{}

func (s *stepBootMedia) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	boot, dir := state.Get(stateBoot).(bootMedium), state.Get(stateDir).(string)
	name := filepath.Base(boot.src)
	common.UI(state).Say(fmt.Sprintf("Copying the boot %s %s into %s...", boot.media, name, dir))
	if err := copyFileInto(ctx, boot.src, filepath.Join(dir, name)); err != nil {
		return common.Halt(state, fmt.Errorf("copying the boot %s: %w", boot.media, err))
	}
	state.Put(stateBootFile, name)
	return multistep.ActionContinue
}

// Cleanup has nothing to do: the folder step removes the whole VM folder.
func (s *stepBootMedia) Cleanup(multistep.StateBag) {}

// copyFileInto streams src to dst through a temporary file beside dst, so dst
// is either absent or complete. A cancelled ctx stops the copy.
func copyFileInto(ctx context.Context, src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return safeio.WriteFile(dst, func(f *os.File) error {
		_, err := io.Copy(f, safeio.Reader(ctx, in))
		return err
	})
}

// checkVMDK accepts a monolithicSparse vmdk, the one-file format
// Fusion and Workstation run, and refuses anything else with what to do.
func checkVMDK(path string) error {
	createType, err := vmdk.Subformat(path)
	if err != nil {
		return fmt.Errorf("boot_media \"disk\": %w", err)
	}
	switch createType {
	case "monolithicSparse":
		return nil
	case "streamOptimized":
		return fmt.Errorf("boot_media \"disk\": %s is a streamOptimized vmdk, which only vSphere imports; "+
			"Fusion and Workstation run monolithicSparse disks: set vmdk_subformat = \"monolithicSparse\" "+
			"(the default) in the linuxkit source, or boot_media = \"iso\"", path)
	}
	return fmt.Errorf("boot_media \"disk\": %s is a %q vmdk; this post-processor copies one-file monolithicSparse disks only", path, createType)
}
