package uki

import (
	"fmt"
	"io"
)

// Section names systemd-stub reads.
const (
	OSRelName   = ".osrel"
	CmdlineName = ".cmdline"
	UnameName   = ".uname"
	InitrdName  = ".initrd"
	LinuxName   = ".linux"
)

// peHeadSize is how much of the kernel is read to find its PE SizeOfImage.
const peHeadSize = 4096

// Parts are the contents of a UKI. Linux and Initrd need only Size and Open (their names are
// set here); OSRel and Cmdline are small and in memory; Uname is optional.
type Parts struct {
	OSRel   []byte
	Cmdline string
	Uname   string
	Linux   Section
	Initrd  Section
}

// Build lays out a UKI from stub and parts, in ukify's section order: .osrel, .cmdline, .uname
// (when set), .initrd (when not empty), then .linux last, as code, with the kernel's PE
// SizeOfImage as its virtual size when that is larger than the file.
func Build(stub []byte, p Parts) (*Image, error) {
	if p.Linux.Size <= 0 || p.Linux.Open == nil {
		return nil, fmt.Errorf("uki: the kernel is empty or has no Open function")
	}
	secs := []Section{Bytes(OSRelName, p.OSRel), Bytes(CmdlineName, []byte(p.Cmdline))}
	if p.Uname != "" {
		secs = append(secs, Bytes(UnameName, []byte(p.Uname)))
	}
	if p.Initrd.Size > 0 {
		initrd := p.Initrd
		initrd.Name = InitrdName
		secs = append(secs, initrd)
	}
	linux := p.Linux
	linux.Name, linux.Code = LinuxName, true
	soi, err := kernelSizeOfImage(linux)
	if err != nil {
		return nil, err
	}
	linux.VirtualSize = max(linux.VirtualSize, soi)
	return New(stub, append(secs, linux))
}

// kernelSizeOfImage reads the kernel's first bytes for its PE SizeOfImage (0 if it is not PE).
func kernelSizeOfImage(k Section) (uint32, error) {
	rc, err := k.Open()
	if err != nil {
		return 0, fmt.Errorf("uki: open the kernel: %w", err)
	}
	defer rc.Close()
	head := make([]byte, min(peHeadSize, k.Size))
	if _, err := io.ReadFull(rc, head); err != nil {
		return 0, fmt.Errorf("uki: read the kernel's header: %w", err)
	}
	return peSizeOfImage(head), nil
}
