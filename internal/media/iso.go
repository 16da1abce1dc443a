package media

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/epoch"
)

// DefaultModTime is the timestamp of every file and descriptor when ISOOptions.ModTime is zero:
// LinuxKit's fixed build time (internal/epoch), so the same inputs give the same bytes. Callers
// honouring SOURCE_DATE_EPOCH pass that time instead.
var DefaultModTime = epoch.LinuxKit

// DefaultVolumeID is the volume identifier used when neither ISOOptions.VolumeID nor a name
// gives one.
const DefaultVolumeID = "LINUXKIT"

// Paths of the files inside a BIOS image. isolinux.cfg refers to the kernel and initrd by them.
const (
	KernelPath      = "kernel"
	InitrdPath      = "initrd.img"
	IsolinuxBinPath = "isolinux/isolinux.bin"
	LdlinuxC32Path  = "isolinux/ldlinux.c32"
	IsolinuxCfgPath = "isolinux/isolinux.cfg"
	BootCatalogPath = "isolinux/boot.cat"
)

// maxCmdline is x86 Linux's COMMAND_LINE_SIZE; isolinux adds BOOT_IMAGE= and initrd= to ours.
const maxCmdline = 2048

// ISOOptions controls an iso-bios (and raw-bios) image.
type ISOOptions struct {
	// VolumeID is the ISO volume identifier; it is normalized with VolumeID, so any name may be
	// given. "" means DefaultVolumeID.
	VolumeID string
	// ModTime stamps every file, directory and descriptor; zero means DefaultModTime.
	ModTime time.Time
	// Boot holds syslinux's files (FindBootFiles).
	Boot BootFiles
	// Cmdline is the kernel command line, appended after initrd=/initrd.img.
	Cmdline string
	// DiskSignature is the MBR disk signature (bytes 440..443); 0 derives it from the inputs
	// (volume ID, time, command line, boot files and file sizes) instead of xorriso's random one.
	DiskSignature uint32
}

// VolumeID turns a name (e.g. the output name) into a valid ISO 9660 volume identifier:
// upper case, every byte that is not a d-character (A-Z, 0-9, _) replaced by '_', at most 32
// bytes. An empty name gives DefaultVolumeID.
func VolumeID(name string) string {
	id := dChars(strings.TrimSpace(name))
	if len(id) > 32 {
		id = id[:32]
	}
	if id == "" {
		return DefaultVolumeID
	}
	return id
}

// WriteISOBIOS streams an isohybrid iso-bios image to w: isolinux boots the kernel with the
// initrd, from a CD drive (El Torito) or from a disk (the isohdpfx MBR). The kernel and initrd are
// read once, in order, straight into w; nothing is buffered or written twice, so w may be a pipe.
// The size written is known before writing: it is the planned layout's size.
func WriteISOBIOS(w io.Writer, kernel, initrd ISOFile, opts ISOOptions) error {
	p, err := planBIOS(kernel, initrd, opts)
	if err != nil {
		return err
	}
	return p.write(w)
}

// biosPlan is a fully laid-out iso-bios image, ready to stream.
type biosPlan struct {
	layout     *isoLayout
	meta       isoMeta
	mbr        []byte
	bootRecord []byte
}

func (p *biosPlan) write(w io.Writer) error {
	return writeISO(w, p.layout, p.meta, p.mbr, p.bootRecord, nil)
}

// planBIOS validates the inputs and computes the whole layout, the patched isolinux.bin, the
// boot catalog and the MBR.
func planBIOS(kernel, initrd ISOFile, opts ISOOptions) (*biosPlan, error) {
	if err := opts.Boot.Validate(); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		what string
		f    ISOFile
	}{{"kernel", kernel}, {"initrd", initrd}} {
		if f.f.Open == nil || f.f.Size <= 0 {
			return nil, fmt.Errorf("media: the %s (%s) is empty or has no Open function", f.what, f.f.Path)
		}
	}
	mtime := opts.ModTime
	if mtime.IsZero() {
		mtime = DefaultModTime
	}
	if err := checkISOTime(mtime); err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	cfg, err := isolinuxConfig(opts.Cmdline)
	if err != nil {
		return nil, err
	}

	t := newISOTree()
	catalog, err := t.addData(BootCatalogPath, make([]byte, sectorSize))
	if err != nil {
		return nil, err
	}
	isolinux, err := t.addData(IsolinuxBinPath, opts.Boot.IsolinuxBin)
	if err != nil {
		return nil, err
	}
	adds := []func() error{
		func() error { _, err := t.addData(LdlinuxC32Path, opts.Boot.LdlinuxC32); return err },
		func() error { _, err := t.addData(IsolinuxCfgPath, cfg); return err },
		func() error { _, err := t.addSource(KernelPath, kernel); return err },
		func() error { _, err := t.addSource(InitrdPath, initrd); return err },
	}
	for _, add := range adds {
		if err := add(); err != nil {
			return nil, err
		}
	}

	l, err := layoutISO(t, true)
	if err != nil {
		return nil, err
	}
	total, geom := alignHybrid(uint64(l.total))
	if total > 0xffffffff {
		return nil, fmt.Errorf("media: the image would exceed 2^32 sectors")
	}
	l.total = uint32(total)

	catalog.data = bootCatalog(isolinux.lba)
	if isolinux.data, err = patchBootInfoTable(opts.Boot.IsolinuxBin, isolinux.lba); err != nil {
		return nil, err
	}
	volumeID := VolumeID(opts.VolumeID)
	sig := opts.DiskSignature
	if sig == 0 {
		sig = deriveSignature(volumeID, mtime, opts.Cmdline, opts.Boot, kernel.Size, initrd.Size)
	}
	mbr, err := isohybridMBR(opts.Boot.IsohdpfxBin, isolinux.lba, l.total, geom, sig)
	if err != nil {
		return nil, err
	}
	return &biosPlan{
		layout:     l,
		meta:       isoMeta{volumeID: volumeID, modTime: mtime},
		mbr:        mbr,
		bootRecord: bootRecord(catalog.lba),
	}, nil
}

// isolinuxConfig renders isolinux.cfg: serial console, boot "linux" at once, the kernel and
// initrd at the image root.
func isolinuxConfig(cmdline string) ([]byte, error) {
	for _, c := range []byte(cmdline) {
		if c < 0x20 || c == 0x7f {
			return nil, fmt.Errorf("media: the kernel command line contains control character %q; isolinux.cfg takes one line", c)
		}
	}
	appendLine := strings.TrimSpace("initrd=/" + InitrdPath + " " + cmdline)
	if len(appendLine) >= maxCmdline {
		return nil, fmt.Errorf("media: the kernel command line (%d bytes with initrd=) exceeds Linux's %d-byte limit", len(appendLine), maxCmdline-1)
	}
	return fmt.Appendf(nil, "serial 0 115200\ndefault linux\nprompt 0\ntimeout 0\nlabel linux\n  kernel /%s\n  append %s\n",
		KernelPath, appendLine), nil
}

// deriveSignature derives a non-zero MBR disk signature from everything that shapes the image,
// so it is stable across rebuilds of the same inputs and differs between distinct ones.
func deriveSignature(volumeID string, mtime time.Time, cmdline string, boot BootFiles, kernelSize, initrdSize int64) uint32 {
	h := sha256.New()
	sums := boot.Sums()
	fmt.Fprintf(h, "linuxkit-isohybrid\x00%s\x00%d\x00%s\x00%s\x00%s\x00%s\x00%d\x00%d",
		volumeID, mtime.Unix(), cmdline, sums[IsolinuxBinName], sums[LdlinuxC32Name], sums[IsohdpfxBinName], kernelSize, initrdSize)
	sig := binary.LittleEndian.Uint32(h.Sum(nil))
	if sig == 0 {
		sig = 1
	}
	return sig
}
