//go:build !windows

package vsphere_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// vsCancelDeadline bounds one cancelled packer run: reaching the step, then
// Packer's cancellation and the cleanups.
const vsCancelDeadline = 90 * time.Second

// vsCancelRun is what a packer run interrupted by SIGINT printed and how it
// ended.
type vsCancelRun struct {
	ExitCode int
	Output   string
	Saw      bool // the marker line appeared (and SIGINT was sent then)
}

// runPackerInterrupted runs packer with args in the rig's directory, in a
// process group of its own, streaming its combined output; as soon as a line
// containing marker appears it sends SIGINT to that process group, as Ctrl-C
// in a terminal does, then waits for packer to exit. (SIGINT to the packer
// process alone does nothing: packer runs itself as a child under panicwrap,
// and the wrapping parent ignores SIGINT, expecting the terminal to signal
// the child too.) A run that never prints the marker is interrupted at half
// the deadline instead, and Saw is false.
func (r *vsPackerRig) runPackerInterrupted(t *testing.T, marker string, args ...string) vsCancelRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), vsCancelDeadline)
	defer cancel()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	cmd := exec.CommandContext(ctx, r.p.Bin, args...)
	cmd.Dir = r.p.Dir
	cmd.Env = r.p.Env
	cmd.Stdout = pw
	cmd.Stderr = pw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Start(); err != nil {
		_ = pw.Close()
		t.Fatalf("starting packer: %v", err)
	}
	_ = pw.Close() // packer holds the write end now: EOF once it exits

	var (
		mu  sync.Mutex
		out strings.Builder
	)
	seen := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var once sync.Once
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			mu.Lock()
			out.WriteString(sc.Text())
			out.WriteByte('\n')
			mu.Unlock()
			if strings.Contains(sc.Text(), marker) {
				once.Do(func() { close(seen) })
			}
		}
	}()

	res := vsCancelRun{}
	select {
	case <-seen:
		res.Saw = true
	case <-done: // packer exited without printing the marker
	case <-time.After(vsCancelDeadline / 2):
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil && !errors.Is(err, syscall.ESRCH) {
		t.Errorf("sending SIGINT to packer's process group: %v", err)
	}
	werr := cmd.Wait()
	<-done
	mu.Lock()
	res.Output = out.String()
	mu.Unlock()
	if werr != nil {
		var ee *exec.ExitError
		if !errors.As(werr, &ee) {
			t.Fatalf("running packer: %v\n%s", werr, res.Output)
		}
		res.ExitCode = ee.ExitCode()
	}
	if ctx.Err() != nil {
		t.Fatalf("packer did not end within %s of its start, SIGINT included; killed:\n%s", vsCancelDeadline, res.Output)
	}
	return res
}

// TestVSpherePackerCancel interrupts real `packer build` runs (SIGINT to the
// packer process, as Ctrl-C does) at several points of the vsphere target,
// each chosen by the UI line the step prints: as the ISO upload starts and
// while it transfers, once the VM exists, as a disk import starts and while
// it transfers, and while the run waits for the guest's IP address (vcsim reports none, so the run blocks there until the
// interrupt). Every run must fail, and leave no VM or template of its build
// and no file under upload_path on vcsim's datastore. wait_for_ip keeps every
// run from finishing before the signal lands.
func TestVSpherePackerCancel(t *testing.T) {
	r := newVSPackerRig(t)
	const (
		isoBuilder  = `  formats = ["iso-bios"]`
		diskBuilder = `  formats        = ["vmdk"]
  vmdk_subformat = "streamOptimized"`
		waiting = `      power_on            = true
      wait_for_ip         = true
      ip_wait_timeout     = "2m"
      convert_to_template = true`
	)
	for _, c := range []struct {
		name, builder, pp, marker string
	}{
		{"lkcupload", isoBuilder, waiting + "\n      disks = [\"1G\"]", `Uploading the ISO lkcupload.iso to [LocalDS_0] linuxkit/`},
		{"lkcuploading", isoBuilder, waiting, `Uploaded 10%`},
		{"lkccreated", isoBuilder, waiting, `Created /DC0/vm/lkccreated`},
		{"lkcimport", diskBuilder, "      boot_media = \"disk\"\n" + waiting, `Importing the VM "lkcimport"`},
		{"lkcimporting", diskBuilder, "      boot_media = \"disk\"\n" + waiting, `Uploaded 10%`},
		{"lkcwaitip", isoBuilder, waiting, `Waiting up to 2m0s for the guest's IP address`},
	} {
		t.Run(c.name, func(t *testing.T) {
			args, _ := r.args(t, c.name, c.builder, c.pp)
			start := time.Now()
			res := r.runPackerInterrupted(t, c.marker, args...)
			t.Logf("interrupted run: %s, exit %d", time.Since(start).Round(time.Millisecond), res.ExitCode)
			if _, after, ok := strings.Cut(res.Output, c.marker); ok {
				t.Logf("after the interrupt:%s", after) // where it landed, and the cleanups
			}
			if !res.Saw {
				t.Fatalf("packer never printed %q:\n%s", c.marker, res.Output)
			}
			if res.ExitCode == 0 {
				t.Errorf("the interrupted build succeeded:\n%s", res.Output)
			}
			if !strings.Contains(res.Output, "cancelled") {
				t.Errorf("the output does not say the build was cancelled:\n%s", res.Output)
			}
			if strings.Contains(res.Output, vsE2EPassword) {
				t.Errorf("the output shows the password")
			}
			if vms := r.sim.vms(t); len(vms) != 0 {
				t.Errorf("VMs left behind: %v\n%s", vms, res.Output)
			}
			if files := r.sim.dsFiles(t, "linuxkit"); len(files) != 0 {
				t.Errorf("uploaded files left behind: %v\n%s", files, res.Output)
			}
		})
	}
}
