package testrig

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/boottest"
)

// QEMUBinary and QEMUBinaryARM64 are the emulators of amd64 (BIOS and OVMF) and arm64 (AAVMF)
// boots. Tests run them under TCG only: KVM is unusable on the machines this project is tested
// on, and Boot refuses any argument that mentions kvm.
const (
	QEMUBinary      = boottest.BinaryAMD64
	QEMUBinaryARM64 = boottest.BinaryARM64
)

// DefaultAppend and DefaultAppendARM64 are the kernel command lines of kernel+initrd boots when
// BootOptions.Append is empty (see boottest).
const (
	DefaultAppend      = boottest.DefaultAppend
	DefaultAppendARM64 = boottest.DefaultAppendARM64
)

// Firmware selects what QEMU boots with (BootOptions.Firmware).
type Firmware = boottest.Firmware

// The firmwares Boot knows. BIOS is the default.
const (
	// FirmwareBIOS is SeaBIOS on qemu-system-x86_64's default machine.
	FirmwareBIOS Firmware = ""
	// FirmwareOVMF is EDK2's OVMF (Debian package ovmf) on the q35 machine: amd64 UEFI.
	FirmwareOVMF = boottest.OVMF
	// FirmwareAAVMF is EDK2's AAVMF (Debian package qemu-efi-aarch64) on qemu-system-aarch64
	// -M virt -cpu max (Debian package qemu-system-arm): arm64 UEFI.
	FirmwareAAVMF = boottest.AAVMF
)

// BootOptions say what QEMU boots. Set exactly one of Kernel (with Initrd and Append), ISO or
// Disk.
type BootOptions struct {
	Kernel string // direct kernel boot: -kernel
	Initrd string // -initrd, with Kernel
	Append string // -append, with Kernel; DefaultAppend when empty

	ISO string // -cdrom ISO -boot d (iso-bios, or an isohybrid image as a CD)

	Disk          string // -drive file=Disk,snapshot=on: the file is never modified
	DiskFormat    string // raw, vmdk, qcow2…; empty: vmdk for *.vmdk, raw otherwise
	DiskInterface string // ide (default), virtio, scsi…

	// Firmware is SeaBIOS by default, or OVMF (amd64 UEFI) or AAVMF (arm64 UEFI, which runs
	// qemu-system-aarch64; disks default to virtio and CDs hang off virtio-scsi there).
	Firmware Firmware

	MemoryMB  int       // -m; 1024 when zero
	ExtraArgs []string  // appended to the command line
	Log       io.Writer // optional: receives the cleaned serial output as it arrives
}

// engine returns the boottest options of o, under TCG.
func (o BootOptions) engine() (boottest.Options, error) {
	for _, a := range o.ExtraArgs {
		if strings.Contains(strings.ToLower(a), "kvm") {
			return boottest.Options{}, fmt.Errorf("argument %q: KVM is not usable here, QEMU runs under TCG only", a)
		}
	}
	return boottest.Options{
		Kernel: o.Kernel, Initrd: o.Initrd, Append: o.Append, ISO: o.ISO,
		Disk: o.Disk, DiskFormat: o.DiskFormat, DiskInterface: o.DiskInterface,
		Firmware: o.Firmware, Accel: boottest.AccelTCG,
		MemoryMB: o.MemoryMB, ExtraArgs: o.ExtraArgs, Log: o.Log,
	}, nil
}

// Console is a running QEMU (a boottest.Console) that belongs to one test: t.Cleanup kills it
// and, when the test failed, logs the serial console.
type Console struct {
	*boottest.Console
	t        testing.TB
	reported bool // the log already went into an error
}

// Boot starts QEMU with opts under TCG, -nographic, -no-reboot and without a network card.
// A missing emulator or firmware fails the test (skips it under -short).
func Boot(t testing.TB, opts BootOptions) *Console {
	t.Helper()
	eo, err := opts.engine()
	if err != nil {
		t.Fatalf("testrig: boot: %v", err)
	}
	bc, err := boottest.Start(eo)
	if err != nil {
		if m, ok := err.(*boottest.MissingError); ok {
			Missing(t, "%v", m)
		}
		t.Fatalf("testrig: boot: %v", err)
	}
	c := &Console{Console: bc, t: t}
	t.Cleanup(func() {
		c.Close()
		if t.Failed() && !c.reported {
			t.Logf("%s\nserial log:\n%s", c.CommandLine(), c.Output())
		}
	})
	return c
}

// WaitFor returns the serial log once marker matches it. It fails, with the full log in the
// error, when ctx ends or QEMU exits first.
func (c *Console) WaitFor(ctx context.Context, marker *regexp.Regexp) (string, error) {
	out, err := c.Console.WaitFor(ctx, marker)
	return out, c.full(err)
}

// WaitExit waits until QEMU exits and returns the log; a non-zero exit status or the end of
// ctx is an error carrying the log.
func (c *Console) WaitExit(ctx context.Context) (string, error) {
	out, err := c.Console.WaitExit(ctx)
	return out, c.full(err)
}

// full turns a boottest failure into an error carrying the whole serial log, as tests want it.
func (c *Console) full(err error) error {
	f, ok := err.(*boottest.Failure)
	if !ok {
		return err
	}
	c.reported = true
	return fmt.Errorf("%s\ncommand: %s\nserial log:\n%s", f.Reason, f.Command, f.Console)
}

// Kill kills QEMU's whole process group and waits for it to be reaped. It is idempotent and
// runs at t.Cleanup anyway.
func (c *Console) Kill() { c.Close() }

// BootAndWait boots opts, waits up to timeout for marker in the serial log and kills QEMU.
// It returns the log; on timeout or an early exit the error carries the full log.
func BootAndWait(ctx context.Context, t testing.TB, opts BootOptions, marker *regexp.Regexp, timeout time.Duration) (string, error) {
	t.Helper()
	c := Boot(t, opts)
	defer c.Kill()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return c.WaitFor(ctx, marker)
}

// Marker returns a regexp matching s literally, for BootAndWait and WaitFor.
func Marker(s string) *regexp.Regexp { return regexp.MustCompile(regexp.QuoteMeta(s)) }

// StripANSI returns s without escape sequences, carriage returns and other control characters
// (\n and \t stay), as Console does with QEMU's serial output.
func StripANSI(s string) string { return boottest.StripANSI(s) }
