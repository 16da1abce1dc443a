package boottest

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Console is a running QEMU whose serial console (stdout and stderr) is read
// into a buffer, cleaned of escape sequences and carriage returns. Close
// kills QEMU and removes its temporary files.
type Console struct {
	cmd     *exec.Cmd
	binary  string
	args    []string
	accel   string
	tmp     string
	started time.Time

	mu      sync.Mutex
	out     []byte
	changed chan struct{} // closed and replaced whenever out grows
	exited  chan struct{} // closed once QEMU has exited and its output is drained
	exitErr error
	kill    sync.Once
}

// Start finds the emulator and firmware, copies the UEFI variable store into
// a temporary folder and starts QEMU, -nographic, -no-reboot, without a
// network card and with stdin /dev/null. A missing emulator or firmware is a
// *MissingError.
func Start(opts Options) (*Console, error) {
	fw := opts.Firmware
	if fw == "" {
		fw = BIOS
	}
	opts.Firmware = fw
	binary := opts.Binary
	if binary == "" {
		binary = fw.Binary()
	}
	path, err := exec.LookPath(binary)
	if err != nil {
		return nil, &MissingError{What: fw.Binary(), Looked: fmt.Sprintf("%s on PATH", binary)}
	}
	accel := SelectAccel(opts.Accel, fw.Arch())
	c := &Console{binary: binary, accel: accel, changed: make(chan struct{}), exited: make(chan struct{})}
	var code, vars string
	if fw == OVMF || fw == AAVMF {
		var tmpl string
		if code, tmpl, err = findUEFI(fw, opts.FirmwareDirs); err != nil {
			return nil, err
		}
		if c.tmp, err = os.MkdirTemp("", "boottest-"); err != nil {
			return nil, fmt.Errorf("boot: %w", err)
		}
		if vars, err = copyVars(tmpl, c.tmp); err != nil {
			c.removeTemp()
			return nil, err
		}
	}
	if c.args, err = opts.args(accel, code, vars); err != nil {
		c.removeTemp()
		return nil, fmt.Errorf("boot: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		c.removeTemp()
		return nil, fmt.Errorf("boot: pipe: %w", err)
	}
	c.cmd = exec.Command(path, c.args...)
	c.cmd.Stdout, c.cmd.Stderr = w, w // stdin stays /dev/null
	ownGroup(c.cmd)
	c.started = time.Now()
	if err := c.cmd.Start(); err != nil {
		r.Close()
		w.Close()
		c.removeTemp()
		return nil, fmt.Errorf("boot: start %s: %w", binary, err)
	}
	w.Close() // QEMU holds the only write end now, so its exit ends the read loop
	go c.read(r, opts.Log)
	return c, nil
}

// read drains QEMU's output into the buffer until QEMU exits, then records
// its exit status.
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

// WaitFor returns the console once marker matches it. It fails with a
// *Failure when ctx ends or QEMU exits first.
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
			return out, c.failure(out, fmt.Sprintf("QEMU exited (%s) after %s before %q appeared", exitStatus(exitErr), c.Elapsed(), marker))
		case <-ctx.Done():
			out := c.Output()
			return out, c.failure(out, fmt.Sprintf("%q not seen on the console within %s (%v)", marker, c.Elapsed(), ctx.Err()))
		}
	}
}

// WaitExit waits until QEMU exits (the guest powered off, or a panic
// rebooted it) and returns the console; a non-zero exit status or the end of
// ctx is a *Failure.
func (c *Console) WaitExit(ctx context.Context) (string, error) {
	select {
	case <-c.exited:
		c.mu.Lock()
		out, exitErr := string(c.out), c.exitErr
		c.mu.Unlock()
		if exitErr != nil {
			return out, c.failure(out, fmt.Sprintf("QEMU exited with %s after %s", exitStatus(exitErr), c.Elapsed()))
		}
		return out, nil
	case <-ctx.Done():
		out := c.Output()
		return out, c.failure(out, fmt.Sprintf("QEMU still running after %s (%v)", c.Elapsed(), ctx.Err()))
	}
}

func (c *Console) failure(out, reason string) *Failure {
	return &Failure{Reason: reason, Command: c.CommandLine(), Console: out}
}

func exitStatus(err error) string {
	if err == nil {
		return "status 0"
	}
	return err.Error()
}

// Output returns the console read so far.
func (c *Console) Output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.out)
}

// Started returns when QEMU was started.
func (c *Console) Started() time.Time { return c.started }

// Elapsed returns the time since QEMU was started.
func (c *Console) Elapsed() time.Duration { return time.Since(c.started).Round(time.Millisecond) }

// Args returns QEMU's command line without the binary.
func (c *Console) Args() []string { return append([]string(nil), c.args...) }

// Accel returns the accelerator QEMU runs with.
func (c *Console) Accel() string { return c.accel }

// CommandLine returns the binary and its arguments, for messages.
func (c *Console) CommandLine() string { return c.binary + " " + strings.Join(c.args, " ") }

// Close kills QEMU's whole process group, waits for it to be reaped and
// removes the temporary variable store. It is idempotent.
func (c *Console) Close() {
	c.kill.Do(func() {
		select {
		case <-c.exited:
		default:
			killGroup(c.cmd) // fails only if it just exited
			<-c.exited
		}
		c.removeTemp()
	})
}

func (c *Console) removeTemp() {
	if c.tmp != "" {
		_ = os.RemoveAll(c.tmp)
	}
}
