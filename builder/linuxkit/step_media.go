package linuxkit

import (
	"cmp"
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
	// vmdkPath, when set, is where the vmdk or vmdk-efi goes instead of
	// <name>.vmdk or <name>-efi.vmdk (the disk of an OVF package).
	vmdkPath string
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
	m, err := s.plan(ctx, state)
	if err != nil {
		return halt(state, fmt.Errorf("%s: %w", s.format, err))
	}
	if err := writeMedium(ui, m, s.format); err != nil {
		return halt(state, fmt.Errorf("%s: %w", s.format, err))
	}
	out.add(s.format, m.path, true)
	return multistep.ActionContinue
}

// plan gathers the medium's inputs from the state bag and plans it.
func (s *stepMedia) plan(ctx context.Context, state multistep.StateBag) (medium, error) {
	out := state.Get(stateOutputs).(*outputs)
	ki := state.Get(stateKernelInitrd).(kernelInitrd)
	in := mediumInputs{plan: state.Get(statePlan).(*rootfs.Plan), digest: state.Get(stateResolved).(*resolve.Resolved).Digest}
	var err error
	if in.kernel, err = media.FileFromPath(ki.kernel); err != nil {
		return medium{}, err
	}
	if in.initrd, err = media.FileFromPath(ki.initrd); err != nil {
		return medium{}, err
	}
	in.kernel.Path, in.initrd.Path = media.KernelPath, media.InitrdPath
	in.kernel.Open, in.initrd.Open = cancellable(ctx, in.kernel.Open), cancellable(ctx, in.initrd.Open)
	in.modTime = modTime(in.plan)

	switch s.format {
	case FormatISOBIOS, FormatRawBIOS, FormatVMDK:
		return s.biosMedium(out.dir, in, state.Get(stateBootFiles).(media.BootFiles))
	case FormatISOEFI, FormatRawEFI, FormatVMDKEFI:
		return s.efiMedium(out.dir, in, state.Get(stateEFIStub).(media.EFIStub))
	}
	return medium{}, fmt.Errorf("internal error: no media writer for %q", s.format)
}

// modTime is the time every file of the media carries: the plan's
// (SOURCE_DATE_EPOCH), or rootfs.DefaultModTime.
func modTime(plan *rootfs.Plan) time.Time {
	if plan.ModTime.IsZero() {
		return rootfs.DefaultModTime
	}
	return plan.ModTime
}

// writeMedium writes m atomically behind a progress bar over its size, and
// tells the user.
func writeMedium(ui packersdk.Ui, m medium, format string) error {
	start := time.Now()
	ui.Say(fmt.Sprintf("Writing %s (%s)...", filepath.Base(m.path), format))
	bar := progress.New(ui, filepath.Base(m.path), m.size)
	defer bar.Close()
	if err := safeio.WriteFile(m.path, func(f *os.File) error { return m.write(f, bar) }); err != nil {
		return err
	}
	bar.Set(m.size)
	sayWrote(ui, m.path, start)
	return nil
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
		path := cmp.Or(s.vmdkPath, filepath.Join(dir, s.name+".vmdk"))
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
