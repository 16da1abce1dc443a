package vmware

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	vmwdesktop "github.com/seed844b7c54/packer-plugin-linuxkit/internal/desktop"
)

// stepDesktopDisks writes the extra disks of `disks`: empty, thin
// monolithicSparse vmdks named <vm_name>-disk<N>.vmdk (N from 1) in the VM
// folder, attached after the boot disk in the order given.
type stepDesktopDisks struct{}

func (s *stepDesktopDisks) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r, ui := desktopState(state)
	used := map[string]bool{strings.ToLower(r.bootFile): true}
	for i, size := range r.cfg.DiskSizes() {
		if err := ctx.Err(); err != nil {
			return desktopHalt(state, err)
		}
		name := extraDiskName(r.cfg.VMName, i+1, used)
		ui.Say(fmt.Sprintf("Creating the extra disk %s (%s)", name, r.cfg.Disks[i]))
		if err := vmwdesktop.CreateDisk(filepath.Join(r.dir, name), size); err != nil {
			return desktopHalt(state, fmt.Errorf("disks[%d]: %w", i, err))
		}
		r.extraDisks = append(r.extraDisks, name)
	}
	return multistep.ActionContinue
}

// Cleanup has nothing to do: the folder step removes the whole VM folder.
func (s *stepDesktopDisks) Cleanup(multistep.StateBag) {}

// extraDiskName returns <vm>-disk<n>.vmdk, or a variant of it when that name
// is taken (the boot disk may carry any name), and marks it used.
func extraDiskName(vm string, n int, used map[string]bool) string {
	base := vm + "-disk" + strconv.Itoa(n)
	name := base + ".vmdk"
	for i := 2; used[strings.ToLower(name)]; i++ {
		name = base + "-" + strconv.Itoa(i) + ".vmdk"
	}
	used[strings.ToLower(name)] = true
	return name
}
