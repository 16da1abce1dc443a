package desktop

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	vmwdesktop "github.com/seed844b7c54/packer-plugin-linuxkit/internal/desktop"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// stepDisks writes the extra disks of `disks`: empty, thin monolithicSparse
// vmdks named <vm_name>-disk<N>.vmdk (N from 1) in the VM folder, attached
// after the boot disk in the order given. It puts their names
// (stateExtraDisks). The run has it only when `disks` is set.
type stepDisks struct {
	vmName string
	disks  []string // the sizes as written, for messages
	sizes  []int64  // the sizes in bytes
}

func (s *stepDisks) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui, dir := common.UI(state), state.Get(stateDir).(string)
	used := map[string]bool{strings.ToLower(state.Get(stateBootFile).(string)): true}
	var names []string
	for i, size := range s.sizes {
		if err := ctx.Err(); err != nil {
			return common.Halt(state, err)
		}
		name := extraDiskName(s.vmName, i+1, used)
		ui.Say(fmt.Sprintf("Creating the extra disk %s (%s)", name, s.disks[i]))
		if err := vmwdesktop.CreateDisk(filepath.Join(dir, name), size); err != nil {
			return common.Halt(state, fmt.Errorf("disks[%d]: %w", i, err))
		}
		names = append(names, name)
		state.Put(stateExtraDisks, names)
	}
	return multistep.ActionContinue
}

// Cleanup has nothing to do: the folder step removes the whole VM folder.
func (s *stepDisks) Cleanup(multistep.StateBag) {}

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
