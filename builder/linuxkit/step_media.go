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

	"github.com/seed844b7c54/packer-plugin-linuxkit/common/progress"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/media"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/resolve"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/rootfs"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vmdk"
)

// stepMedia writes one boot medium (iso-bios, raw-bios, vmdk, iso-efi, raw-efi or vmdk-efi)
// from the kernel and initrd files, with a progress bar over its known final size.
type stepMedia struct {
	format    string
	name      string
	arch      string
	diskSize  int64
	subformat string
}

// mediumInputs is what every medium is made of.
type mediumInputs struct {
	kernel, initrd media.ISOFile
	plan           *rootfs.Plan
	modTime        time.Time
	digest         string // the spec digest, which seeds the EFI media's identifiers
}

// medium is one medium ready to write: its file, its final size (the bar's total) and the
// function writing it into f, moving bar.
type medium struct {
	path  string
	size  int64
	write func(f *os.File, bar *progress.Bar) error
}

func (s *stepMedia) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui := state.Get(stateUI).(packersdk.Ui)
	out := state.Get(stateOutputs).(*outputs)
	ki := state.Get(stateKernelInitrd).(kernelInitrd)
	in := mediumInputs{plan: state.Get(statePlan).(*rootfs.Plan), digest: state.Get(stateResolved).(*resolve.Resolved).Digest}
	var err error
	if in.kernel, err = media.FileFromPath(ki.kernel); err != nil {
		return halt(state, err)
	}
	if in.initrd, err = media.FileFromPath(ki.initrd); err != nil {
		return halt(state, err)
	}
	in.kernel.Path, in.initrd.Path = media.KernelPath, media.InitrdPath
	in.kernel.Open, in.initrd.Open = cancellable(ctx, in.kernel.Open), cancellable(ctx, in.initrd.Open)
	if in.modTime = in.plan.ModTime; in.modTime.IsZero() {
		in.modTime = rootfs.DefaultModTime
	}

	var m medium
	switch s.format {
	case FormatISOBIOS, FormatRawBIOS, FormatVMDK:
		m, err = s.biosMedium(out.dir, in, state.Get(stateBootFiles).(media.BootFiles))
	case FormatISOEFI, FormatRawEFI, FormatVMDKEFI:
		m, err = s.efiMedium(out.dir, in, state.Get(stateEFIStub).(media.EFIStub))
	default:
		err = fmt.Errorf("internal error: no media writer for %q", s.format)
	}
	if err != nil {
		return halt(state, fmt.Errorf("%s: %w", s.format, err))
	}
	start := time.Now()
	ui.Say(fmt.Sprintf("Writing %s (%s)...", filepath.Base(m.path), s.format))
	bar := progress.New(ui, filepath.Base(m.path), m.size)
	defer bar.Close()
	if err := safeio.WriteFile(m.path, func(f *os.File) error { return m.write(f, bar) }); err != nil {
		return halt(state, fmt.Errorf("%s: %w", s.format, err))
	}
	bar.Set(m.size)
	out.add(s.format, m.path, true)
	sayWrote(ui, m.path, start)
	return multistep.ActionContinue
}

func (s *stepMedia) Cleanup(multistep.StateBag) {}

// biosMedium plans iso-bios (<name>.iso), raw-bios (<name>-bios.img) or vmdk (<name>.vmdk).
func (s *stepMedia) biosMedium(dir string, in mediumInputs, boot media.BootFiles) (medium, error) {
	iso := media.ISOOptions{VolumeID: media.VolumeID(s.name), ModTime: in.modTime, Boot: boot, Cmdline: in.plan.Cmdline()}
	raw := media.RawOptions{ISOOptions: iso, DiskSize: s.diskSize}
	k, i := in.kernel, in.initrd
	switch s.format {
	case FormatISOBIOS:
		size, err := media.ISOBIOSSize(k, i, iso)
		return medium{filepath.Join(dir, s.name+".iso"), size, func(f *os.File, bar *progress.Bar) error {
			return media.WriteISOBIOS(progress.NewFile(f, bar), k, i, iso)
		}}, err
	case FormatRawBIOS:
		size, err := media.RawBIOSSize(k, i, raw)
		return medium{filepath.Join(dir, s.name+"-bios.img"), size, func(f *os.File, bar *progress.Bar) error {
			return media.WriteRawBIOS(progress.NewFile(f, bar), k, i, raw)
		}}, err
	default:
		path := filepath.Join(dir, s.name+".vmdk")
		size, err := media.RawBIOSSize(k, i, raw)
		return medium{path, size, func(f *os.File, bar *progress.Bar) error {
			return media.WriteVMDK(f, k, i, media.VMDKOptions{RawOptions: raw, VMDK: s.vmdkOptions(path), Progress: bar.Set})
		}}, err
	}
}

// vmdkOptions are the VMDK container options of vmdk_subformat for the file at path.
func (s *stepMedia) vmdkOptions(path string) vmdk.Options {
	return vmdk.Options{Compressed: s.subformat == SubformatStreamOptimized, ExtentName: filepath.Base(path)}
}

// sayWrote tells the user that an output file is complete: its name, size
// and how long writing it took since start.
func sayWrote(ui packersdk.Ui, path string, start time.Time) {
	ui.Say(fmt.Sprintf("Wrote %s (%s) in %s", filepath.Base(path), fileSize(path), time.Since(start).Round(time.Millisecond)))
}

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
