package linuxkit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/initrd"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/kernelinitrd"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/rootfs"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
)

type kernelInitrd struct {
	kernel, initrd, cmdline string
	keep                    bool // they are outputs (format kernel+initrd), not temporary
}

// stepKernelInitrd writes <name>-kernel, <name>-initrd.img and <name>-cmdline.
// When kernel+initrd is not among the formats but a boot medium is, it writes
// the kernel and initrd as hidden temporary files for the media step, and
// removes them at the end.
type stepKernelInitrd struct {
	name string
	keep bool
	scan bool // catalogue the initrd's filesystem stream for the SBOM
	fast bool // initrd_compression = "speed"
}

func (s *stepKernelInitrd) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui := state.Get(stateUI).(packersdk.Ui)
	out := state.Get(stateOutputs).(*outputs)
	tree := state.Get(stateTree).(*rootfs.Tree)
	plan := state.Get(statePlan).(*rootfs.Plan)
	prefix := s.name
	if !s.keep {
		prefix = "." + s.name + ".boot"
	}
	k := kernelInitrd{
		kernel:  filepath.Join(out.dir, prefix+"-kernel"),
		initrd:  filepath.Join(out.dir, prefix+"-initrd.img"),
		cmdline: filepath.Join(out.dir, prefix+"-cmdline"),
		keep:    s.keep,
	}
	state.Put(stateKernelInitrd, k)
	start := time.Now()
	// The kernel is copied while the initrd is written: both read the kernel image's layer,
	// and the initrd's compression seldom keeps every core busy on its own.
	kctx, cancel := context.WithCancel(ctx)
	defer cancel()
	kdone := make(chan error, 1)
	go func() {
		kdone <- safeio.WriteFile(k.kernel, func(f *os.File) error { return kernelinitrd.WriteKernel(kctx, f, tree) })
	}()
	scan := startScan(ctx, s.scan)
	gz := initrd.DefaultOptions()
	gz.Fast = s.fast
	err := safeio.WriteFile(k.initrd, func(f *os.File) error { return kernelinitrd.WriteInitrdTee(ctx, f, tree, plan, scan.tee, gz) })
	if serr := scan.done(state); err == nil {
		err = serr
	}
	if err != nil {
		cancel()
	}
	if kerr := <-kdone; kerr != nil && (err == nil || !errors.Is(kerr, context.Canceled)) {
		err = kerr // a kernel error comes first, as when the kernel was written first
	}
	if err != nil {
		return halt(state, err)
	}
	if err := writeFileAtomic(k.cmdline, []byte(plan.Cmdline())); err != nil {
		return halt(state, err)
	}
	if s.keep {
		out.add(FormatKernelInitrd, k.kernel, true)
		out.add(FormatKernelInitrd, k.initrd, false)
		out.add(FormatKernelInitrd, k.cmdline, false)
	}
	ui.Say(fmt.Sprintf("Wrote the kernel and initrd (%s, %s) in %s", fileSize(k.kernel), fileSize(k.initrd), time.Since(start).Round(time.Millisecond)))
	return multistep.ActionContinue
}

// Cleanup removes the temporary kernel and initrd; outputs stay (the output
// directory step removes everything after a failure).
func (s *stepKernelInitrd) Cleanup(state multistep.StateBag) {
	v, ok := state.GetOk(stateKernelInitrd)
	if !ok || s.keep {
		return
	}
	k := v.(kernelInitrd)
	for _, p := range []string{k.kernel, k.initrd, k.cmdline} {
		_ = os.Remove(p)
	}
}
