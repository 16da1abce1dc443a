package linuxkit

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/image"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/media"
)

// stepEFIStub finds systemd's EFI stub for the build's arch, as the syslinux files are found:
// bootloader_dir, else the host's well-known folders (Debian/Ubuntu systemd-boot-efi), else
// bootloader_image when one is set (the default bootloader image holds syslinux only). It runs
// only when an EFI format is asked for.
type stepEFIStub struct {
	arch, dir, imageRef string
	store               *image.Store // the build's store: it selects arch's variant of the image
}

func (s *stepEFIStub) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui := state.Get(stateUI).(packersdk.Ui)
	var img *media.BootImage
	if s.imageRef != "" {
		img = openBootImage(ctx, s.store, s.imageRef, nil)
	}
	stub, err := media.FindEFIStub(s.arch, s.dir, img)
	if err != nil {
		return halt(state, fmt.Errorf("EFI formats: %w", err))
	}
	ui.Say(fmt.Sprintf("EFI stub %s from %s", stub.Name, stub.Source))
	state.Put(stateEFIStub, stub)
	return multistep.ActionContinue
}

func (s *stepEFIStub) Cleanup(multistep.StateBag) {}
