package vsphere_test

import (
	"bufio"
	"crypto/tls"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmware/govmomi/simulator"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// This file is the one place the post-processor's tests set up vcsim: in
// process (newVSSim) for the tests that run the post-processor in process,
// and as internal/testrig/cmd/vcsim (startVCSim) for the real packer.

// The simulator's credentials; the password is distinctive so a leak in any
// message is caught.
const (
	vsUser     = "builder@vsphere.local"
	vsPassword = "Vs-Pp-S3cret-5d0b"
)

// vsSim is one in-process vCenter simulator (govmomi's VPX model, with the
// vAPI endpoints) over TLS on loopback, requiring vsUser/vsPassword.
type vsSim struct {
	model      *simulator.Model // nil for an out-of-process vcsim
	server     *simulator.Server
	host       string
	user, pass string
}

func newVSSim(t *testing.T) *vsSim {
	t.Helper()
	vmwaretest.CleanEnv(t)
	m := simulator.VPX()
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	m.Service.TLS = new(tls.Config)
	m.Service.RegisterEndpoints = true
	m.Service.Listen = &url.URL{Host: "127.0.0.1:0", User: url.UserPassword(vsUser, vsPassword)}
	s := m.Service.NewServer()
	t.Cleanup(func() {
		s.Close()
		m.Remove()
	})
	return &vsSim{model: m, server: s, host: s.URL.Host, user: vsUser, pass: vsPassword}
}

// startVCSim builds and starts internal/testrig/cmd/vcsim on loopback and
// returns its host:port. Its standard input stays open until the test's
// cleanup, which closes it and so ends the simulator.
func startVCSim(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "vcsim")
	build := exec.Command("go", "build", "-o", bin, "./internal/testrig/cmd/vcsim")
	build.Dir = testrig.RepoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building vcsim: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-l", "127.0.0.1:0", "-stdin")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading vcsim's address: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	u, err := url.Parse(strings.TrimPrefix(strings.TrimSpace(line), "GOVC_URL="))
	if err != nil || u.Host == "" {
		t.Fatalf("vcsim printed %q: %v", line, err)
	}
	return u.Host
}
