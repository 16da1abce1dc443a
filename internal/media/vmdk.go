package media

import (
	"errors"
	"fmt"
	"io"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vmdk"
)

// VMDKOptions controls a vmdk disk: the raw-bios disk it holds, and the VMDK container options
// (Compressed selects streamOptimized instead of monolithicSparse).
type VMDKOptions struct {
	RawOptions
	VMDK vmdk.Options
}

// WriteVMDK streams the raw-bios disk for these inputs into a sparse VMDK of the raw disk's size
// (as WriteRawBIOS would write it), through internal/vmdk. Only the ISO part crosses the pipe: the VMDK writer treats
// the rest of the disk as zeros and stores no grains for it.
func WriteVMDK(dst io.WriteSeeker, kernel, initrd ISOFile, opts VMDKOptions) error {
	p, err := planBIOS(kernel, initrd, opts.ISOOptions)
	if err != nil {
		return err
	}
	diskSize, err := rawDiskSize(p.layout.size(), opts.DiskSize)
	if err != nil {
		return err
	}
	return writeVMDKFrom(dst, diskSize, p.write, opts.VMDK)
}

// VMDKEFIOptions controls a vmdk-efi disk: the raw-efi disk it holds, and the VMDK container
// options.
type VMDKEFIOptions struct {
	EFIOptions
	VMDK vmdk.Options
}

// WriteVMDKEFI streams the raw-efi disk for these inputs (as WriteRawEFI would write it) into a
// sparse VMDK of the disk's size, through internal/vmdk, which stores no grains for the zeros.
func WriteVMDKEFI(dst io.WriteSeeker, kernel, initrd ISOFile, opts VMDKEFIOptions) error {
	p, err := planRawEFI(kernel, initrd, opts.EFIOptions)
	if err != nil {
		return err
	}
	return writeVMDKFrom(dst, p.diskSize, p.write, opts.VMDK)
}

// writeVMDKFrom runs write into a pipe whose other end the VMDK writer reads as a disk of
// diskSize bytes.
func writeVMDKFrom(dst io.WriteSeeker, diskSize int64, write func(io.Writer) error, opts vmdk.Options) error {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := write(pw)
		pw.CloseWithError(err) // nil: the reader sees io.EOF
		done <- err
	}()
	err := vmdk.Write(dst, pr, diskSize, opts)
	pr.CloseWithError(errors.New("vmdk writer stopped")) // unblocks the image writer if it is still writing
	werr := <-done
	if err != nil {
		return fmt.Errorf("media: vmdk: %w", err)
	}
	return werr
}
