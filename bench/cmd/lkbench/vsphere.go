package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// vcsimStartTimeout bounds the wait for vcsim's GOVC_URL line.
const vcsimStartTimeout = time.Minute

// vsphereSection uploads our ISO to vcsim's datastore and imports our
// streamOptimized vmdk as a VM, with internal/vsphere (Driver.UploadFile,
// Driver.ImportVM, run by bench/cmd/lkvsphere) and with `govc
// datastore.upload` and `govc import.vmdk`.
// Both sides log in and resolve the placement within the timing.
func (s *suite) vsphereSection() ([]Row, error) {
	upload := Row{Section: "vsphere", Op: "datastore upload of the iso-bios image (vcsim)", Basis: fileSize(s.isoOut), PeerName: "govc datastore.upload"}
	imp := Row{Section: "vsphere", Op: "import of the streamOptimized vmdk (vcsim)", Basis: fileSize(s.streamOut), PeerName: "govc import.vmdk",
		Note: "ours: OVF + ImportVApp + NFC (a VM); govc: the same, then the VM is dropped and the disk kept; vcsim discards the NFC bytes"}
	skip := func(why string) ([]Row, error) {
		upload.Peer, imp.Peer = Measure{Status: why}, Measure{Status: why}
		upload.Ours, imp.Ours = Measure{Status: why}, Measure{Status: why}
		return []Row{upload, imp}, nil
	}
	switch {
	case s.govc == "":
		return skip("skipped: govc unavailable")
	case fileSize(s.vcsim) < 0:
		return skip("skipped: no vcsim at " + s.vcsim + " (run scripts/tools.sh)")
	case s.isoOut == "" || s.streamOut == "" || fileSize(s.isoOut) < 0 || fileSize(s.streamOut) < 0:
		return skip("skipped: the iso and vmdk sections did not leave their outputs")
	}
	tmp := filepath.Join(s.work, "vsphere")
	if err := os.RemoveAll(tmp); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, err
	}
	url, stop, err := startVCSim(s.vcsim, tmp)
	if err != nil {
		return skip("failed: " + firstLine(err.Error()))
	}
	defer stop()
	env := []string{"GOVC_URL=" + url, "GOVC_INSECURE=1", "GOVC_PERSIST_SESSION=false", "GOVC_DATASTORE=LocalDS_0"}
	govc := func(args ...string) []stage { return []stage{{argv: append([]string{s.govc}, args...), env: env}} }
	upload.Peer = repeat(s.reps, func(rep int) []stage {
		return govc("datastore.upload", s.isoOut, fmt.Sprintf("lkbench/upload-%d.iso", rep))
	}, "", false, nil)
	upload.Peer.OutBytes = -1
	imp.Peer = repeat(s.reps, func(rep int) []stage {
		return govc("import.vmdk", "-pool", "/DC0/host/DC0_C0/Resources", s.streamOut, fmt.Sprintf("lkbench-import-%d/lkbench-import-%d.vmdk", rep, rep))
	}, "", false, nil)
	imp.Peer.OutBytes = -1
	upload.Ours = repeat(s.reps, func(rep int) []stage {
		return cmd(s.lkvsphere, "upload", url, s.isoOut, fmt.Sprintf("lkbench/ours-%d.iso", rep))
	}, "", false, nil)
	upload.Ours.OutBytes = -1
	imp.Ours = repeat(s.reps, func(rep int) []stage {
		return cmd(s.lkvsphere, "import", url, s.streamOut, fmt.Sprintf("lkbench-ours-%d", rep))
	}, "", false, nil)
	imp.Ours.OutBytes = -1
	return []Row{upload, imp}, nil
}

// startVCSim runs our vcsim on a loopback port with its datastore under
// tmp and returns its GOVC_URL and a function that stops it (closing its
// stdin, which -stdin turns into an exit) and waits for it.
func startVCSim(bin, tmp string) (string, func(), error) {
	c := exec.Command(bin, "-l", "127.0.0.1:0", "-stdin")
	c.Env = append(os.Environ(), "TMPDIR="+tmp)
	c.Stderr = os.Stderr
	stdin, err := c.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	stdout, err := c.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := c.Start(); err != nil {
		return "", nil, fmt.Errorf("start vcsim: %w", err)
	}
	stop := func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { _ = c.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = c.Process.Kill()
			<-done
		}
	}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "GOVC_URL="); ok {
				line <- u
				break
			}
		}
		close(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case u, ok := <-line:
		if !ok {
			stop()
			return "", nil, fmt.Errorf("vcsim exited without printing GOVC_URL")
		}
		return u, stop, nil
	case <-time.After(vcsimStartTimeout):
		stop()
		return "", nil, fmt.Errorf("vcsim printed no GOVC_URL within %s", vcsimStartTimeout)
	}
}
