package boottest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
)

// The kernel command lines of direct kernel boots when Options.Append is
// empty: the console on the first serial port, and a panic reboots at once,
// which -no-reboot turns into QEMU exiting, so a broken boot fails fast.
const (
	DefaultAppend      = "console=ttyS0 panic=-1"
	DefaultAppendARM64 = "console=ttyAMA0 panic=-1"
)

// DefaultMemoryMB is the guest memory when Options.MemoryMB is zero.
const DefaultMemoryMB = 1024

// Options say what QEMU boots and how. Set exactly one of Kernel (with
// Initrd and Append), ISO or Disk.
type Options struct {
	Kernel string // direct kernel boot: -kernel
	Initrd string // -initrd, with Kernel
	Append string // -append, with Kernel; DefaultAppend(ARM64) when empty

	ISO string // a CD: -cdrom on amd64, virtio-scsi on arm64

	Disk          string // a disk, opened with snapshot=on: the file is never modified
	DiskFormat    string // raw, vmdk, qcow2…; empty: vmdk for *.vmdk, raw otherwise
	DiskInterface string // ide (amd64 default), virtio (arm64 default), scsi…

	// Firmware is BIOS when empty.
	Firmware Firmware
	// FirmwareDirs are the folders searched for UEFI firmware;
	// DefaultFirmwareDirs when empty.
	FirmwareDirs []string
	// Binary is the emulator; Firmware.Binary() when empty.
	Binary string
	// Accel is AccelAuto (SelectAccel decides), AccelKVM, AccelHVF or
	// AccelTCG.
	Accel string

	MemoryMB  int       // -m; DefaultMemoryMB when zero
	ExtraArgs []string  // appended to the command line
	Log       io.Writer // optional: receives the cleaned console as it arrives
}

// Medium returns the Options that boot the file of a builder format:
// iso-bios and iso-efi as a CD, raw-bios and raw-efi as a raw disk, vmdk
// and vmdk-efi as a vmdk disk, with the firmware FirmwareFor chooses.
// kernel+initrd is booted with BootKernel instead.
func Medium(format, arch, path string) (Options, error) {
	fw, err := FirmwareFor(format, arch)
	if err != nil {
		return Options{}, err
	}
	o := Options{Firmware: fw}
	switch format {
	case artifact.FormatISOBIOS, artifact.FormatISOEFI:
		o.ISO = path
	case artifact.FormatRawBIOS, artifact.FormatRawEFI:
		o.Disk, o.DiskFormat = path, "raw"
	case artifact.FormatVMDK, artifact.FormatVMDKEFI:
		o.Disk, o.DiskFormat = path, "vmdk"
	default:
		return Options{}, fmt.Errorf("format %q is not a boot medium; boot kernel+initrd with its kernel and initrd files", format)
	}
	return o, nil
}

// args builds the command line (without the binary) with the UEFI
// variable store at vars ("" for BIOS) and code at code.
func (o Options) args(accel, code, vars string) ([]string, error) {
	mem := o.MemoryMB
	if mem == 0 {
		mem = DefaultMemoryMB
	}
	args := []string{"-accel", accel, "-nographic", "-no-reboot", "-m", strconv.Itoa(mem), "-smp", "1", "-nic", "none"}
	arm := o.Firmware == AAVMF
	switch {
	case arm && accel != AccelTCG:
		args = append(args, "-M", "virt", "-cpu", "host")
	case arm:
		args = append(args, "-M", "virt", "-cpu", "max")
	case o.Firmware == OVMF:
		args = append(args, "-M", "q35")
	}
	if code != "" {
		args = append(args,
			"-drive", "if=pflash,format=raw,unit=0,readonly=on,file="+escape(code),
			"-drive", "if=pflash,format=raw,unit=1,file="+escape(vars))
	}
	set := 0
	for _, p := range []string{o.Kernel, o.ISO, o.Disk} {
		if p != "" {
			set++
			if _, err := os.Stat(p); err != nil {
				return nil, fmt.Errorf("boot file: %w", err)
			}
		}
	}
	if set != 1 {
		return nil, errors.New("set exactly one of Kernel, ISO and Disk")
	}
	switch {
	case o.Kernel != "":
		args = append(args, "-kernel", o.Kernel)
		if o.Initrd != "" {
			args = append(args, "-initrd", o.Initrd)
		}
		app := o.Append
		switch {
		case app == "" && arm:
			app = DefaultAppendARM64
		case app == "":
			app = DefaultAppend
		}
		args = append(args, "-append", app)
	case o.ISO != "" && arm: // the virt machine has no IDE: the CD hangs off virtio-scsi
		args = append(args, "-device", "virtio-scsi-pci", "-drive",
			"if=none,id=cd,media=cdrom,readonly=on,file="+escape(o.ISO), "-device", "scsi-cd,drive=cd")
	case o.ISO != "":
		args = append(args, "-cdrom", o.ISO, "-boot", "d")
	default:
		format := o.DiskFormat
		if format == "" {
			format = "raw"
			if strings.EqualFold(filepath.Ext(o.Disk), ".vmdk") {
				format = "vmdk"
			}
		}
		iface := o.DiskInterface
		switch {
		case iface == "" && arm:
			iface = "virtio"
		case iface == "":
			iface = "ide"
		}
		args = append(args, "-drive", fmt.Sprintf("file=%s,format=%s,if=%s,snapshot=on", escape(o.Disk), format, iface))
	}
	return append(args, o.ExtraArgs...), nil
}

// escape doubles the commas of a path inside a -drive option.
func escape(p string) string { return strings.ReplaceAll(p, ",", ",,") }
