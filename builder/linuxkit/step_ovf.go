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

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/ovf"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/rootfs"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
)

// stepOVF writes a VM package: ovf (<name>.ovf, <name>-disk1.vmdk, <name>.mf)
// or ova (<name>.ova, a tar of the same three, the descriptor first). The
// disk is the streamOptimized vmdk of the raw-bios or raw-efi disk; the
// descriptor comes from internal/ovf with the ovf_* hardware.
type stepOVF struct {
	format string
	name   string
	disk   stepMedia                                          // the disk inside, its path set in Run
	vm     func(href string, capacity, fileSize int64) ovf.VM // the descriptor's hardware
}

// ovfStep is the step writing format (ova or ovf) with the disk of
// ovf_firmware.
func (c *Config) ovfStep(format string) *stepOVF {
	disk := stepMedia{format: FormatVMDK, name: c.OutputName, arch: c.Arch, diskSize: c.diskSize, subformat: SubformatStreamOptimized}
	if c.OVFFirmware == artifact.FirmwareEFI {
		disk.format = FormatVMDKEFI
	}
	return &stepOVF{format: format, name: c.OutputName, disk: disk, vm: c.ovfVM}
}

func (s *stepOVF) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	if err := s.write(ctx, state); err != nil {
		return halt(state, fmt.Errorf("%s: %w", s.format, err))
	}
	return multistep.ActionContinue
}

func (s *stepOVF) Cleanup(multistep.StateBag) {}

// write writes the disk, then the descriptor and the manifest, as files (ovf)
// or streamed into the OVA's tar (ova; the disk is then a temporary file in
// a hidden folder of the output directory, removed once it is in the tar).
func (s *stepOVF) write(ctx context.Context, state multistep.StateBag) error {
	ui := state.Get(stateUI).(packersdk.Ui)
	out := state.Get(stateOutputs).(*outputs)
	href := s.name + ovfDiskSuffix
	disk := s.disk
	disk.vmdkPath = filepath.Join(out.dir, href)
	if s.format == FormatOVA {
		// A folder of its own keeps the file's name, which the vmdk's descriptor names.
		tmp, err := os.MkdirTemp(out.dir, ".ova-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		disk.vmdkPath = filepath.Join(tmp, href)
	}
	m, err := disk.plan(ctx, state)
	if err != nil {
		return err
	}
	if err := writeMedium(ui, m, s.format); err != nil {
		return err
	}
	fi, err := os.Stat(m.path)
	if err != nil {
		return err
	}
	text, err := ovf.Envelope(s.vm(href, m.size, fi.Size()))
	if err != nil {
		return err
	}
	descriptor := ovf.Bytes(s.name+".ovf", []byte(text))
	vmdk := ovf.File{Name: href, Size: fi.Size(), Open: cancellable(ctx, func() (io.ReadCloser, error) {
		return safeio.OpenRegular(m.path, "the OVF package's disk")
	})}
	mf, err := ovf.Manifest(descriptor, vmdk)
	if err != nil {
		return err
	}
	manifest := ovf.Bytes(s.name+".mf", mf)

	if s.format == FormatOVF {
		out.add(s.format, m.path, false)
		for _, f := range []ovf.File{descriptor, manifest} {
			if err := writeSmall(filepath.Join(out.dir, f.Name), f); err != nil {
				return err
			}
			out.add(s.format, filepath.Join(out.dir, f.Name), f.Name == descriptor.Name)
		}
		return nil
	}
	path := filepath.Join(out.dir, s.name+".ova")
	start := time.Now()
	ui.Say(fmt.Sprintf("Writing %s (%s)...", filepath.Base(path), s.format))
	mt := modTime(state.Get(statePlan).(*rootfs.Plan))
	if err := safeio.WriteFile(path, func(f *os.File) error { return ovf.WriteOVA(f, mt, descriptor, manifest, vmdk) }); err != nil {
		return err
	}
	out.add(s.format, path, true)
	sayWrote(ui, path, start)
	return nil
}

// writeSmall writes an in-memory package file (descriptor, manifest) to path.
func writeSmall(path string, f ovf.File) error {
	return safeio.WriteFile(path, func(w *os.File) error {
		rc, err := f.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		_, err = io.Copy(w, rc)
		return err
	})
}
