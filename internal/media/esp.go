package media

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/fat"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/uki"
)

// DefaultOSRelease is the UKI's .osrel section when EFIOptions.OSRelease is empty: what
// systemd-boot and other boot menus show for the image.
const DefaultOSRelease = "NAME=\"LinuxKit\"\nID=linuxkit\nPRETTY_NAME=\"LinuxKit (packer-plugin-linuxkit)\"\n"

// espLabel is the FAT volume label of every ESP this package writes.
const espLabel = "ESP"

// EFIOptions controls an EFI image (raw-efi, iso-efi): the boot program is a UKI made of
// systemd's stub, the kernel, the initrd, Cmdline and OSRelease, at \EFI\BOOT\BOOTX64.EFI
// (amd64) or \EFI\BOOT\BOOTAA64.EFI (arm64) of a FAT32 EFI system partition.
type EFIOptions struct {
	// Arch is "amd64" or "arm64"; the stub must be of that architecture.
	Arch string
	// Stub is systemd's EFI stub (FindEFIStub).
	Stub EFIStub
	// Cmdline is the kernel command line, the UKI's .cmdline section.
	Cmdline string
	// OSRelease is the .osrel section (os-release format); "" means DefaultOSRelease.
	OSRelease string
	// VolumeID is the ISO volume identifier of iso-efi, normalized with VolumeID.
	VolumeID string
	// ModTime stamps the FAT and ISO entries; zero means DefaultModTime.
	ModTime time.Time
	// DiskSize is the size of a raw-efi disk in bytes, a multiple of 512; 0 gives the default:
	// 1 MiB before the ESP and 1 MiB after it (the backup GPT lives there).
	DiskSize int64
	// Digest seeds the FAT volume serial and the GPT GUIDs (the builder passes the spec
	// digest); nil derives them from the other inputs and the file sizes.
	Digest []byte
}

// efiPlan is what both EFI formats share: the architecture, the seed, and a way to lay out the
// ESP for a partition starting at a given sector.
type efiPlan struct {
	arch   efiArch
	seed   []byte
	mtime  time.Time
	kernel ISOFile
	initrd ISOFile
	opts   EFIOptions
}

// planEFI validates the inputs shared by raw-efi and iso-efi.
func planEFI(kernel, initrd ISOFile, opts EFIOptions) (*efiPlan, error) {
	a, err := lookupArch(opts.Arch)
	if err != nil {
		return nil, err
	}
	if opts.Stub.Arch != opts.Arch || len(opts.Stub.Data) == 0 {
		return nil, fmt.Errorf("media: the EFI stub is for %q, the image for %q (use FindEFIStub with the image's arch)", opts.Stub.Arch, opts.Arch)
	}
	for _, f := range []struct {
		what string
		f    ISOFile
	}{{"kernel", kernel}, {"initrd", initrd}} {
		if f.f.Open == nil || f.f.Size <= 0 {
			return nil, fmt.Errorf("media: the %s (%s) is empty or has no Open function", f.what, f.f.Path)
		}
	}
	if strings.ContainsRune(opts.Cmdline, 0) || len(opts.Cmdline) >= maxCmdline {
		return nil, fmt.Errorf("media: the kernel command line must be under %d bytes with no NUL", maxCmdline)
	}
	mtime := opts.ModTime
	if mtime.IsZero() {
		mtime = DefaultModTime
	}
	if opts.OSRelease == "" {
		opts.OSRelease = DefaultOSRelease
	}
	h := sha256.New()
	fmt.Fprintf(h, "linuxkit-efi\x00%s\x00%d\x00%s\x00%s\x00%s\x00%d\x00%d\x00", opts.Arch, mtime.Unix(), opts.Cmdline,
		opts.OSRelease, opts.Stub.Sums()[opts.Stub.Name], kernel.Size, initrd.Size)
	h.Write(opts.Digest)
	return &efiPlan{arch: a, seed: h.Sum(nil), mtime: mtime, kernel: kernel, initrd: initrd, opts: opts}, nil
}

// esp lays out the EFI system partition whose first sector is hidden (its LBA on the disk).
func (p *efiPlan) esp(hidden uint32) (*fat.Image, error) {
	im, err := uki.Build(p.opts.Stub.Data, uki.Parts{
		OSRel:   []byte(p.opts.OSRelease),
		Cmdline: p.opts.Cmdline,
		Linux:   uki.Section{Size: p.kernel.Size, Open: p.kernel.Open},
		Initrd:  uki.Section{Size: p.initrd.Size, Open: p.initrd.Open},
	})
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	bootFile := fat.File{Path: p.arch.bootFile, Size: im.Size(), Open: pipeOpen(im)}
	esp, err := fat.New([]fat.File{bootFile}, fat.Options{
		Label:         espLabel,
		Serial:        binary.LittleEndian.Uint32(p.seed),
		ModTime:       p.mtime,
		HiddenSectors: hidden,
	})
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	return esp, nil
}

// espFile wraps a laid-out ESP as an ISOFile.
func espFile(esp *fat.Image) ISOFile {
	return ISOFile{Path: "the EFI system partition", Size: esp.Size(), Open: pipeOpen(esp)}
}

// pipeOpen returns an Open function that streams what src writes through a pipe, so a nested
// image (the UKI inside the FAT, the FAT inside the ISO) is never held in memory. Closing the
// reader early stops the writer.
func pipeOpen(src io.WriterTo) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		pr, pw := io.Pipe()
		go func() {
			_, err := src.WriteTo(pw)
			pw.CloseWithError(err) // nil: the reader sees io.EOF
		}()
		return pr, nil
	}
}
