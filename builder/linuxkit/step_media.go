package linuxkit

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/media"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/rootfs"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vmdk"
)

// stepMedia writes one BIOS boot medium (iso-bios, raw-bios or vmdk) from the
// kernel and initrd files.
type stepMedia struct {
	format    string
	name      string
	diskSize  int64
	subformat string
}

func (s *stepMedia) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui := state.Get(stateUI).(packersdk.Ui)
	out := state.Get(stateOutputs).(*outputs)
	ki := state.Get(stateKernelInitrd).(kernelInitrd)
	plan := state.Get(statePlan).(*rootfs.Plan)
	boot := state.Get(stateBootFiles).(media.BootFiles)

	kernel, err := media.FileFromPath(ki.kernel)
	if err != nil {
		return halt(state, err)
	}
	initrd, err := media.FileFromPath(ki.initrd)
	if err != nil {
		return halt(state, err)
	}
	kernel.Path, initrd.Path = media.KernelPath, media.InitrdPath
	kernel.Open, initrd.Open = cancellable(ctx, kernel.Open), cancellable(ctx, initrd.Open)
	iso := media.ISOOptions{
		VolumeID: media.VolumeID(s.name),
		ModTime:  plan.ModTime,
		Boot:     boot,
		Cmdline:  plan.Cmdline(),
	}
	if iso.ModTime.IsZero() {
		iso.ModTime = rootfs.DefaultModTime
	}
	raw := media.RawOptions{ISOOptions: iso, DiskSize: s.diskSize}

	var path string
	var write func(f *os.File) error
	switch s.format {
	case FormatISOBIOS:
		path = filepath.Join(out.dir, s.name+".iso")
		write = func(f *os.File) error { return media.WriteISOBIOS(f, kernel, initrd, iso) }
	case FormatRawBIOS:
		path = filepath.Join(out.dir, s.name+"-bios.img")
		write = func(f *os.File) error { return media.WriteRawBIOS(f, kernel, initrd, raw) }
	case FormatVMDK:
		path = filepath.Join(out.dir, s.name+".vmdk")
		opts := media.VMDKOptions{RawOptions: raw, VMDK: vmdk.Options{
			Compressed: s.subformat == SubformatStreamOptimized,
			ExtentName: filepath.Base(path),
		}}
		write = func(f *os.File) error { return media.WriteVMDK(f, kernel, initrd, opts) }
	default:
		return halt(state, fmt.Errorf("internal error: no media writer for %q", s.format))
	}
	start := time.Now()
	ui.Say(fmt.Sprintf("Writing %s (%s)...", filepath.Base(path), s.format))
	if err := safeio.WriteFile(path, write); err != nil {
		return halt(state, fmt.Errorf("%s: %w", s.format, err))
	}
	out.add(s.format, path, true)
	ui.Say(fmt.Sprintf("Wrote %s (%s) in %s", filepath.Base(path), fileSize(path), time.Since(start).Round(time.Millisecond)))
	return multistep.ActionContinue
}

func (s *stepMedia) Cleanup(multistep.StateBag) {}

// cancellable makes the reads of a medium's kernel and initrd stop when the
// build is cancelled, so Ctrl-C does not wait for a whole disk to be written.
func cancellable(ctx context.Context, open func() (io.ReadCloser, error)) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		rc, err := open()
		if err != nil {
			return nil, err
		}
		return struct {
			io.Reader
			io.Closer
		}{safeio.Reader(ctx, rc), rc}, nil
	}
}
