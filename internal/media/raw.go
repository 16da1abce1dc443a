package media

import (
	"fmt"
	"io"
)

// raw-bios uses the isohybrid layout: the disk is the iso-bios image itself (isohdpfx MBR, one
// active partition over the ISO 9660 file system, isolinux loaded from it by the MBR code through
// EDD), padded with zeros to the disk size. Why this rather than a FAT partition with syslinux
// installed (DESIGN §5 allows either):
//   - a FAT boot needs ldlinux.sys installed into the file system with its sector map patched in,
//     i.e. reimplementing the syslinux installer and a FAT writer; the isohybrid MBR only needs
//     one LBA patched into bytes 432..439, which is the same code path as iso-bios;
//   - one writer, one set of tests: raw-bios, iso-bios booted from a disk, and the vmdk made from
//     the raw disk all boot the very same bytes, checked in QEMU;
//   - the system runs from the initrd, so the disk never needs a writable file system.
// The zeros past the ISO are not partitioned; the MBR's one partition covers the ISO only.

// diskAlign is the granularity of default disk sizes: 1 MiB, the isohybrid cylinder, which VMware
// and partitioning tools also like.
const diskAlign = 1 << 20

// RawOptions controls a raw-bios disk.
type RawOptions struct {
	ISOOptions
	// DiskSize is the size of the disk in bytes; it must be a multiple of 512 and hold the ISO.
	// 0 gives the default: the ISO size plus 1 MiB, rounded up to a whole MiB. The spare MiB keeps
	// the disk's last sectors (where some tools put backup metadata) clear of the ISO.
	DiskSize int64
}

// rawDiskSize applies the DiskSize rules to an ISO of isoSize bytes.
func rawDiskSize(isoSize, diskSize int64) (int64, error) {
	if diskSize == 0 {
		return (isoSize + diskAlign + diskAlign - 1) / diskAlign * diskAlign, nil
	}
	if diskSize < 0 || diskSize%512 != 0 {
		return 0, fmt.Errorf("media: disk_size %d is not a positive multiple of 512 bytes", diskSize)
	}
	if diskSize < isoSize {
		need := (isoSize + diskAlign - 1) / diskAlign
		return 0, fmt.Errorf("media: disk_size %d bytes is too small for the raw-bios image: the bootable ISO it holds is %d bytes, so disk_size must be at least %d bytes (%dM)",
			diskSize, isoSize, need*diskAlign, need)
	}
	return diskSize, nil
}

// WriteRawBIOS streams a raw-bios disk to w: the isohybrid iso-bios image, then zeros up to the
// disk size. When w is a file (it has Truncate and Seek), the zeros are a sparse extension of the
// file rather than written bytes; otherwise (a pipe into the vmdk writer, say) they are written.
func WriteRawBIOS(w io.Writer, kernel, initrd ISOFile, opts RawOptions) error {
	p, err := planBIOS(kernel, initrd, opts.ISOOptions)
	if err != nil {
		return err
	}
	isoSize := p.layout.size()
	diskSize, err := rawDiskSize(isoSize, opts.DiskSize)
	if err != nil {
		return err
	}
	start := int64(-1)
	f, sparse := w.(truncateSeeker)
	if sparse {
		if start, err = f.Seek(0, io.SeekCurrent); err != nil {
			sparse = false
		}
	}
	if err := p.write(w); err != nil {
		return err
	}
	if sparse && extendSparse(f, start+diskSize) == nil {
		return nil
	}
	ow := &offsetWriter{w: w, off: isoSize}
	return ow.padTo(diskSize)
}

// truncateSeeker is what *os.File offers for growing a file without writing its zeros.
type truncateSeeker interface {
	io.Seeker
	Truncate(size int64) error
}

// extendSparse grows f to end bytes and moves its offset there, as if zeros had been written.
func extendSparse(f truncateSeeker, end int64) error {
	if err := f.Truncate(end); err != nil {
		return err
	}
	_, err := f.Seek(end, io.SeekStart)
	return err
}
