package linuxkit

import (
	"cmp"
	"os"
	"path/filepath"

	"github.com/seed844b7c54/packer-plugin-linuxkit/common/progress"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/media"
)

// efiMedium plans iso-efi (<name>-efi.iso), raw-efi (<name>-efi.img) or vmdk-efi
// (<name>-efi.vmdk, the raw-efi disk in vmdk_subformat): linuxkit's names for its EFI
// formats (linuxkit writes <name>-efi.iso, <name>-efi.img, <name>-efi.qcow2). The boot program
// is a UKI of systemd's stub for the build's arch; the spec digest seeds the FAT serial and
// GPT GUIDs, so the same pinned spec gives the same bytes.
func (s *stepMedia) efiMedium(dir string, in mediumInputs, stub media.EFIStub) (medium, error) {
	opts := media.EFIOptions{
		Arch:     s.arch,
		Stub:     stub,
		Cmdline:  in.plan.Cmdline(),
		VolumeID: media.VolumeID(s.name),
		ModTime:  in.modTime,
		DiskSize: s.diskSize,
		Digest:   []byte(in.digest),
	}
	k, i := in.kernel, in.initrd
	switch s.format {
	case FormatISOEFI:
		size, err := media.ISOEFISize(k, i, opts)
		return medium{filepath.Join(dir, s.name+"-efi.iso"), size, func(f *os.File, bar *progress.Bar) error {
			return media.WriteISOEFI(progress.NewFile(f, bar), k, i, opts)
		}}, err
	case FormatRawEFI:
		size, err := media.RawEFISize(k, i, opts)
		return medium{filepath.Join(dir, s.name+"-efi.img"), size, func(f *os.File, bar *progress.Bar) error {
			return media.WriteRawEFI(progress.NewFile(f, bar), k, i, opts)
		}}, err
	default:
		path := cmp.Or(s.vmdkPath, filepath.Join(dir, s.name+"-efi.vmdk"))
		size, err := media.RawEFISize(k, i, opts)
		return medium{path, size, func(f *os.File, bar *progress.Bar) error {
			return media.WriteVMDKEFI(f, k, i, media.VMDKEFIOptions{EFIOptions: opts, VMDK: s.vmdkOptions(path), Progress: bar.Set})
		}}, err
	}
}
