package desktop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Vmrun drives VMware's vmrun command line tool, the one interface Fusion
// and Workstation share. Every method runs one vmrun process, bounded by its
// context, and returns errors that carry vmrun's own output (vmrun explains
// its failures on stdout).
type Vmrun struct {
	// Path is the vmrun executable (see FindVmrun).
	Path string
	// Type is vmrun's -T host type: "fusion" or "ws" (see HostType).
	Type string
	// Logf, when set, receives each command line and its output.
	Logf func(format string, args ...any)
}

// NewVmrun returns a Vmrun for target ("fusion" or "workstation") using the
// executable at path.
func NewVmrun(target, path string) (*Vmrun, error) {
	t, err := HostType(target)
	if err != nil {
		return nil, err
	}
	return &Vmrun{Path: path, Type: t}, nil
}

// Start powers the VM on: `vmrun -T <type> start <abs vmx> nogui|gui`.
func (v *Vmrun) Start(ctx context.Context, vmx string, gui bool) error {
	abs, err := absVMX(vmx)
	if err != nil {
		return err
	}
	mode := "nogui"
	if gui {
		mode = "gui"
	}
	_, err = v.run(ctx, "start", abs, mode)
	return err
}

// Stop powers the VM off: `vmrun -T <type> stop <abs vmx> soft|hard`. A soft
// stop asks the guest to shut down (ACPI); hard pulls the plug.
func (v *Vmrun) Stop(ctx context.Context, vmx string, hard bool) error {
	abs, err := absVMX(vmx)
	if err != nil {
		return err
	}
	mode := "soft"
	if hard {
		mode = "hard"
	}
	_, err = v.run(ctx, "stop", abs, mode)
	return err
}

// Shutdown stops the VM softly, giving the guest softTimeout, then hard if
// it is still running (keep_running = false). A VM that is not running is
// not an error.
func (v *Vmrun) Shutdown(ctx context.Context, vmx string, softTimeout time.Duration) error {
	sctx, cancel := context.WithTimeout(ctx, softTimeout)
	softErr := v.Stop(sctx, vmx, false)
	cancel()
	if softErr == nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("stop %s: %w", vmx, err)
	}
	v.logf("soft stop failed, checking whether the VM still runs: %v", softErr)
	running, err := v.IsRunning(ctx, vmx)
	if err == nil && !running {
		return nil
	}
	if err := v.Stop(ctx, vmx, true); err != nil {
		return fmt.Errorf("hard stop after a failed soft stop (%v): %w", softErr, err)
	}
	return nil
}

// GuestIP waits for VMware Tools in the guest to report an IP address:
// `vmrun -T <type> getGuestIPAddress <abs vmx> -wait`, killed when timeout
// (if positive) or ctx runs out.
func (v *Vmrun) GuestIP(ctx context.Context, vmx string, timeout time.Duration) (string, error) {
	abs, err := absVMX(vmx)
	if err != nil {
		return "", err
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	out, err := v.run(ctx, "getGuestIPAddress", abs, "-wait")
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && timeout > 0 {
			return "", fmt.Errorf("no guest IP address within %s (does the image run open-vm-tools?): %w", timeout, err)
		}
		return "", err
	}
	ip := lastLine(out)
	if net.ParseIP(ip) == nil {
		return "", fmt.Errorf("vmrun getGuestIPAddress %s: not an IP address: %q", abs, clip(out))
	}
	return ip, nil
}

// List returns the .vmx paths of the running VMs, parsed from
// `vmrun -T <type> list` ("Total running VMs: N" then one path a line).
func (v *Vmrun) List(ctx context.Context) ([]string, error) {
	out, err := v.run(ctx, "list")
	if err != nil {
		return nil, err
	}
	return parseList(out)
}

// IsRunning reports whether vmx is among the running VMs. Paths compare
// after cleaning, and case-insensitively on macOS and Windows, whose file
// systems usually are.
func (v *Vmrun) IsRunning(ctx context.Context, vmx string) (bool, error) {
	abs, err := absVMX(vmx)
	if err != nil {
		return false, err
	}
	running, err := v.List(ctx)
	if err != nil {
		return false, err
	}
	for _, p := range running {
		if samePath(p, abs) {
			return true, nil
		}
	}
	return false, nil
}

// parseList reads the output of vmrun list.
func parseList(out string) ([]string, error) {
	lines := strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n")
	const header = "Total running VMs:"
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, header) {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(l, header)))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("vmrun list: bad count in %q", l)
		}
		var paths []string
		for _, p := range lines[i+1:] {
			if p = strings.TrimSpace(p); p != "" {
				paths = append(paths, p)
			}
		}
		if len(paths) != n {
			return nil, fmt.Errorf("vmrun list: header says %d running VMs, found %d paths in %q", n, len(paths), clip(out))
		}
		return paths, nil
	}
	return nil, fmt.Errorf("vmrun list: no %q line in %q", header, clip(out))
}

func samePath(a, b string) bool {
	a, b = filepath.Clean(a), filepath.Clean(b)
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// run executes vmrun -T <type> args... and returns its stdout. The error,
// if any, names the command and carries vmrun's stdout and stderr.
func (v *Vmrun) run(ctx context.Context, args ...string) (string, error) {
	argv := append([]string{"-T", v.Type}, args...)
	cmd := exec.CommandContext(ctx, v.Path, argv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// vmrun may leave helpers holding its pipes; don't wait on them forever.
	cmd.WaitDelay = 5 * time.Second
	line := v.Path + " " + strings.Join(argv, " ")
	v.logf("running %s", line)
	err := cmd.Run()
	out := strings.TrimSpace(stdout.String())
	if e := strings.TrimSpace(stderr.String()); e != "" {
		out = strings.TrimSpace(out + "\n" + e)
	}
	v.logf("vmrun %s: %q (err: %v)", args[0], out, err)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		if out == "" {
			out = "(no output)"
		}
		return "", fmt.Errorf("%s: %w: %s", line, err, out)
	}
	return stdout.String(), nil
}

func (v *Vmrun) logf(format string, args ...any) {
	if v.Logf != nil {
		v.Logf(format, args...)
	}
}

func absVMX(vmx string) (string, error) {
	abs, err := filepath.Abs(vmx)
	if err != nil {
		return "", fmt.Errorf("vmx path %q: %w", vmx, err)
	}
	return abs, nil
}

// lastLine returns the last non-empty line of s, trimmed.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
