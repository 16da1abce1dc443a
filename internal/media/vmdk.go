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
	// Progress, when set, is called with the number of bytes of the raw disk (RawBIOSSize in
	// all) the VMDK writer has consumed so far.
	Progress func(done int64)
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
	return writeVMDKFrom(dst, diskSize, p.write, opts.VMDK, opts.Progress)
}

// VMDKEFIOptions controls a vmdk-efi disk: the raw-efi disk it holds, and the VMDK container
// options.
type VMDKEFIOptions struct {
	EFIOptions
	VMDK vmdk.Options
	// Progress, when set, is called with the number of bytes of the raw-efi disk (RawEFISize in
	// all) the VMDK writer has consumed so far.
	Progress func(done int64)
}

// WriteVMDKEFI streams the raw-efi disk for these inputs (as WriteRawEFI would write it) into a
// sparse VMDK of the disk's size, through internal/vmdk, which stores no grains for the zeros.
func WriteVMDKEFI(dst io.WriteSeeker, kernel, initrd ISOFile, opts VMDKEFIOptions) error {
	p, err := planRawEFI(kernel, initrd, opts.EFIOptions)
	if err != nil {
		return err
	}
	return writeVMDKFrom(dst, p.diskSize, p.write, opts.VMDK, opts.Progress)
}

// writeVMDKFrom runs write into a pipe whose other end the VMDK writer reads as a disk of
// diskSize bytes; progress, when not nil, hears how much of it was read.
func writeVMDKFrom(dst io.WriteSeeker, diskSize int64, write func(io.Writer) error, opts vmdk.Options, progress func(int64)) error {
	pr, pw := io.Pipe()
	var src io.Reader = pr
	if progress != nil {
		src = &countReader{r: pr, progress: progress}
	}
	done := make(chan error, 1)
	go func() {
		err := write(pw)
		pw.CloseWithError(err) // nil: the reader sees io.EOF
		done <- err
	}()
	err := vmdk.Write(dst, src, diskSize, opts)
	pr.CloseWithError(errors.New("vmdk writer stopped")) // unblocks the image writer if it is still writing
	werr := <-done
	if err != nil {
		return fmt.Errorf("media: vmdk: %w", err)
	}
	return werr
}

// countReader reports the running total of bytes read through it.
type countReader struct {
	r        io.Reader
	n        int64
	progress func(int64)
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.n += int64(n)
		c.progress(c.n)
	}
	return n, err
}
