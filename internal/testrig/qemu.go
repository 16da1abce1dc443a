package testrig

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// QEMUBinary is the emulator of amd64 boots (BIOS and OVMF). It runs under TCG only: KVM is unusable on the
// machines this project is tested on, and Boot refuses any argument that mentions kvm.
const QEMUBinary = "qemu-system-x86_64"

// DefaultAppend is the kernel command line for kernel+initrd boots when BootOptions.Append is
// empty: console on the first serial port, and a panic reboots at once, which -no-reboot turns
// into QEMU exiting, so a broken boot fails fast.
const DefaultAppend = "console=ttyS0 panic=-1"

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

	vars string // the UEFI variable store's copy, set by Boot
}

// Console is a running QEMU whose serial console (stdout) is read into a buffer with escape
// sequences and carriage returns stripped. It belongs to one test: t.Cleanup kills it.
type Console struct {
	t       testing.TB
	cmd     *exec.Cmd
	binary  string
	args    []string
	started time.Time

	mu       sync.Mutex
	out      []byte
	changed  chan struct{} // closed and replaced whenever out grows
	exited   chan struct{} // closed once QEMU has exited and its output is drained
	exitErr  error
	reported bool // the log already went into an error, so Cleanup need not print it
	kill     sync.Once
}

// Boot starts QEMU with opts under TCG, -nographic, -no-reboot and without a network card.
// A missing emulator or firmware file fails the test (skips it under -short).
func Boot(t testing.TB, opts BootOptions) *Console {
	t.Helper()
	opts.vars = prepareFirmware(t, opts.Firmware)
	binary := opts.Firmware.binary()
	args, err := qemuArgs(opts)
	if err != nil {
		t.Fatalf("testrig: boot: %v", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatalf("testrig: boot: pipe: %v", err)
	}
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = w, w // stdin stays /dev/null
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c := &Console{t: t, cmd: cmd, binary: binary, args: args, changed: make(chan struct{}), exited: make(chan struct{})}
	c.started = time.Now()
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		t.Fatalf("testrig: start %s: %v", binary, err)
	}
	w.Close() // QEMU holds the only write end now, so its exit ends the read loop
	go c.read(r, opts.Log)
	t.Cleanup(func() {
		c.Kill()
		c.mu.Lock()
		defer c.mu.Unlock()
		if t.Failed() && !c.reported {
			t.Logf("%s %s\nserial log:\n%s", c.binary, strings.Join(c.args, " "), c.out)
		}
	})
	return c
}

// qemuArgs builds the command line; it rejects anything that would enable KVM.
func qemuArgs(o BootOptions) ([]string, error) {
	mem := o.MemoryMB
	if mem == 0 {
		mem = 1024
	}
	args := []string{"-accel", "tcg", "-nographic", "-no-reboot", "-m", strconv.Itoa(mem), "-smp", "1", "-nic", "none"}
	args = append(args, firmwareArgs(o.Firmware, o.vars)...)
	arm := o.Firmware == FirmwareAAVMF
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
			"if=none,id=cd,media=cdrom,readonly=on,file="+strings.ReplaceAll(o.ISO, ",", ",,"), "-device", "scsi-cd,drive=cd")
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
		args = append(args, "-drive", fmt.Sprintf("file=%s,format=%s,if=%s,snapshot=on",
			strings.ReplaceAll(o.Disk, ",", ",,"), format, iface))
	}
	for _, a := range o.ExtraArgs {
		if strings.Contains(strings.ToLower(a), "kvm") {
			return nil, fmt.Errorf("argument %q: KVM is not usable here, QEMU runs under TCG only", a)
		}
	}
	return append(args, o.ExtraArgs...), nil
}

// read drains QEMU's output into the buffer until QEMU exits, then records its exit status.
func (c *Console) read(r *os.File, log io.Writer) {
	defer r.Close()
	var cl consoleCleaner
	buf := make([]byte, 32*1024)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			c.mu.Lock()
			before := len(c.out)
			c.out = cl.clean(c.out, buf[:n])
			if log != nil && len(c.out) > before {
				_, _ = log.Write(c.out[before:]) // a failing log copy must not stop the capture
			}
			close(c.changed)
			c.changed = make(chan struct{})
			c.mu.Unlock()
		}
		if err != nil {
			break
		}
	}
	err := c.cmd.Wait()
	c.mu.Lock()
	c.exitErr = err
	c.mu.Unlock()
	close(c.exited)
}

// WaitFor returns the serial log once marker matches it. It fails, with the full log in the
// error, when ctx ends or QEMU exits first.
func (c *Console) WaitFor(ctx context.Context, marker *regexp.Regexp) (string, error) {
	for {
		c.mu.Lock()
		out, changed := string(c.out), c.changed
		c.mu.Unlock()
		if marker.MatchString(out) {
			return out, nil
		}
		select {
		case <-changed:
		case <-c.exited:
			c.mu.Lock()
			out, exitErr := string(c.out), c.exitErr
			c.mu.Unlock()
			if marker.MatchString(out) {
				return out, nil
			}
			return out, c.fail("QEMU exited (%v) after %s before %q appeared", exitStatus(exitErr), c.Elapsed(), marker)
		case <-ctx.Done():
			return c.Output(), c.fail("%q not seen after %s: %v", marker, c.Elapsed(), ctx.Err())
		}
	}
}

// WaitExit waits until QEMU exits (the guest powered off, or a panic rebooted it) and returns
// the log; a non-zero exit status or the end of ctx is an error carrying the log.
func (c *Console) WaitExit(ctx context.Context) (string, error) {
	select {
	case <-c.exited:
		c.mu.Lock()
		out, exitErr := string(c.out), c.exitErr
		c.mu.Unlock()
		if exitErr != nil {
			return out, c.fail("QEMU exited with %v after %s", exitStatus(exitErr), c.Elapsed())
		}
		return out, nil
	case <-ctx.Done():
		return c.Output(), c.fail("QEMU still running after %s: %v", c.Elapsed(), ctx.Err())
	}
}

// fail builds an error carrying the command line and the full serial log.
func (c *Console) fail(format string, args ...any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reported = true
	return fmt.Errorf("%s\ncommand: %s %s\nserial log:\n%s", fmt.Sprintf(format, args...),
		c.binary, strings.Join(c.args, " "), c.out)
}

func exitStatus(err error) string {
	if err == nil {
		return "status 0"
	}
	return err.Error()
}

// Output returns the serial log read so far.
func (c *Console) Output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.out)
}

// Started returns when QEMU was started, to report boot times.
func (c *Console) Started() time.Time { return c.started }

// Elapsed returns the time since QEMU was started.
func (c *Console) Elapsed() time.Duration { return time.Since(c.started).Round(time.Millisecond) }

// Args returns QEMU's command line (without the binary).
func (c *Console) Args() []string { return append([]string(nil), c.args...) }

// Kill kills QEMU's whole process group and waits for it to be reaped. It is idempotent and
// runs at t.Cleanup anyway.
func (c *Console) Kill() {
	c.kill.Do(func() {
		select {
		case <-c.exited:
			return
		default:
		}
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL) // ESRCH only if it just exited
		<-c.exited
	})
}

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
