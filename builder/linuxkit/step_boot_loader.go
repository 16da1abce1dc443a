package linuxkit

import (
	"context"
	"fmt"
	"io/fs"
	"sort"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/image"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/media"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/rootfs"
)

// stepBootLoader finds syslinux's boot files: bootloader_dir, else the host's
// well-known folders, else bootloader_image (pulled like any other image).
type stepBootLoader struct {
	dir, imageRef string
	store         *image.Store // the build's store; syslinux BIOS files are x86, so it must select amd64
}

func (s *stepBootLoader) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui := state.Get(stateUI).(packersdk.Ui)
	ref := s.imageRef
	if ref == "" {
		ref = media.DefaultBootloaderImage
	}
	bootImage := openBootImage(ctx, s.store, ref, func(arch string) error {
		if arch != "amd64" {
			return fmt.Errorf("bootloader_image %s: syslinux BIOS files are x86, but the build selects %s images", ref, arch)
		}
		return nil
	})
	files, err := media.FindBootFiles(s.dir, bootImage)
	if err != nil {
		return halt(state, err)
	}
	names := make([]string, 0, len(files.Sources))
	for n := range files.Sources {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ui.Say(fmt.Sprintf("boot file %s from %s", n, files.Sources[n]))
	}
	state.Put(stateBootFiles, files)
	return multistep.ActionContinue
}

func (s *stepBootLoader) Cleanup(multistep.StateBag) {}

// openBootImage describes the bootloader image ref, pulled through the build's store only when
// the search reaches it; check (nil to skip) may refuse the store's architecture first.
func openBootImage(ctx context.Context, store *image.Store, ref string, check func(arch string) error) *media.BootImage {
	return &media.BootImage{Ref: ref, Open: func() (fs.FS, error) {
		if check != nil {
			if err := check(store.Arch()); err != nil {
				return nil, err
			}
		}
		if _, err := store.Pull(ctx, []string{ref}); err != nil {
			return nil, err
		}
		img, err := store.Image(ref)
		if err != nil {
			return nil, err
		}
		return rootfs.ImageFS(ctx, img), nil
	}}
}
