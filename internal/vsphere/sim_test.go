package vsphere

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// The simulator's login (testrig's default); the password has characters that URL escaping
// changes, so a leak in any spelling is caught.
const (
	testUser     = testrig.VCSimUser
	testPassword = testrig.VCSimPassword
)

// sim is one testrig vcsim with the driver's connection config for it.
type sim struct {
	*testrig.VCSim
	cfg ConnectConfig
}

// newSim starts a simulator of its own for one test, built with opts (testrig.WithModel to
// adjust datastores, folders...). Every log line the driver writes is checked for the
// password.
func newSim(t *testing.T, opts ...testrig.VCSimOption) *sim {
	t.Helper()
	s := simFor(testrig.StartVCSim(t, opts...))
	s.cfg.Logf = checkedLogf(t)
	return s
}

// shared is the default-model simulator most tests share: starting one costs about 0.4 s.
// Tests on it use names of their own and must not depend on what others created.
var (
	shared     *sim
	sharedErr  error
	sharedOnce sync.Once
	sharedMu   sync.Mutex
	sharedBy   = map[string]bool{} // tests that had the shared simulator
)

// sharedSim returns the shared simulator, with a config that logs through t. A test that
// runs again (go test -count=2) gets a fresh simulator instead, since its names are taken.
func sharedSim(t *testing.T) *sim {
	t.Helper()
	sharedMu.Lock()
	again := sharedBy[t.Name()]
	sharedBy[t.Name()] = true
	sharedMu.Unlock()
	if again {
		return newSim(t)
	}
	sharedOnce.Do(func() {
		var vc *testrig.VCSim
		if vc, sharedErr = testrig.NewVCSim(); sharedErr == nil {
			shared = simFor(vc)
		}
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	s := *shared
	s.cfg.Logf = checkedLogf(t)
	return &s
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.Close()
	}
	os.Exit(code)
}

// simFor is the driver's config for a simulator.
func simFor(vc *testrig.VCSim) *sim {
	return &sim{VCSim: vc, cfg: ConnectConfig{
		Server:   vc.Host(),
		Username: vc.Username,
		Password: vc.Password,
		Insecure: vc.Insecure,
	}}
}

// checkedLogf logs through t and fails the test when a line holds the password.
func checkedLogf(t *testing.T) func(string, ...any) {
	return func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		for _, s := range secretForms(testPassword) {
			if strings.Contains(line, s) {
				t.Errorf("log line leaks the password: %q", line)
			}
		}
		t.Log(line)
	}
}

// connect logs in with the simulator's config (retries wait 1 ms in tests).
func (s *sim) connect(t *testing.T) *Driver {
	t.Helper()
	d, err := Connect(context.Background(), s.cfg)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	d.backoff = time.Millisecond
	t.Cleanup(d.Close)
	return d
}

// clusterPlacement is a placement that resolves in the default VPX model.
var clusterPlacement = Placement{Cluster: "DC0_C0", Network: "VM Network"}

// target connects and resolves clusterPlacement.
func (s *sim) target(t *testing.T) (*Driver, *Target) {
	t.Helper()
	d := s.connect(t)
	tg, err := d.FindPlacement(context.Background(), clusterPlacement)
	if err != nil {
		t.Fatalf("FindPlacement: %v", err)
	}
	return d, tg
}

// writeFile writes n deterministic bytes and returns the path and their sha256.
func writeFile(t *testing.T, name string, n int, seed byte) (string, string) {
	t.Helper()
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ seed ^ byte(i>>13)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return p, hex.EncodeToString(sum[:])
}

// vmProps reads a VM's properties.
func vmProps(t *testing.T, d *Driver, vm *object.VirtualMachine, props ...string) mo.VirtualMachine {
	t.Helper()
	var m mo.VirtualMachine
	if err := vm.Properties(context.Background(), vm.Reference(), props, &m); err != nil {
		t.Fatalf("properties of %s: %v", vm.Reference(), err)
	}
	return m
}

// countBuild counts the VMs tagged with a build id.
func countBuild(t *testing.T, d *Driver, id string) int {
	t.Helper()
	vms, err := d.vmsWithBuildID(context.Background(), nil, id)
	if err != nil {
		t.Fatal(err)
	}
	return len(vms)
}

// minimalSpec is a VMSpec with only what is required.
func minimalSpec(name, build string) VMSpec {
	return VMSpec{Name: name, BuildID: build}
}

// recordingProxy is an HTTPS reverse proxy in front of the simulator that hashes every
// PUT/POST body sent to /nfc/ on its way through: vcsim discards NFC bytes, so the proxy is
// where a test sees what was uploaded.
type recordingProxy struct {
	URL *url.URL

	mu      sync.Mutex
	uploads []nfcUpload
}

type nfcUpload struct {
	Method, Path, ContentType, SHA256 string
	Size                              int64
}

func newRecordingProxy(t *testing.T, backend *url.URL) *recordingProxy {
	t.Helper()
	target := &url.URL{Scheme: backend.Scheme, Host: backend.Host}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	p := &recordingProxy{}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/nfc/") && (r.Method == http.MethodPut || r.Method == http.MethodPost) {
			h := &hashingReader{r: r.Body, h: sha256.New()}
			r.Body = h
			defer func() {
				p.mu.Lock()
				p.uploads = append(p.uploads, nfcUpload{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"),
					SHA256: hex.EncodeToString(h.h.Sum(nil)), Size: h.n})
				p.mu.Unlock()
			}()
		}
		rp.ServeHTTP(w, r)
	})
	ts := httptest.NewTLSServer(handler)
	t.Cleanup(ts.Close)
	p.URL = &url.URL{Scheme: "https", Host: ts.Listener.Addr().String(), Path: backend.Path}
	return p
}

func (p *recordingProxy) recorded() []nfcUpload {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]nfcUpload(nil), p.uploads...)
}

type hashingReader struct {
	r io.ReadCloser
	h interface {
		io.Writer
		Sum([]byte) []byte
	}
	n int64
}

func (h *hashingReader) Read(b []byte) (int, error) {
	n, err := h.r.Read(b)
	h.h.Write(b[:n])
	h.n += int64(n)
	return n, err
}

func (h *hashingReader) Close() error { return h.r.Close() }

// cuttingProxy is a TCP proxy that, once armed, drops every connection after a number of
// bytes from the client, as a network failure in the middle of an upload would. Later
// connections work again, so a cleanup can reconnect through it.
type cuttingProxy struct {
	ln      net.Listener
	backend string

	armed atomic.Int64 // bytes still allowed after arming; 0: not armed
	cut   atomic.Bool

	mu    sync.Mutex
	conns map[net.Conn]bool
}

func newCuttingProxy(t *testing.T, backend string) *cuttingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttingProxy{ln: ln, backend: backend, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() {
		_ = ln.Close()
		p.dropAll()
	})
	return p
}

func (p *cuttingProxy) Addr() string { return p.ln.Addr().String() }

// arm makes the proxy cut all connections once n more client bytes have passed.
func (p *cuttingProxy) arm(n int64) { p.armed.Store(n) }

func (p *cuttingProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		b, err := net.Dial("tcp", p.backend)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[b] = true, true
		p.mu.Unlock()
		go func() { _, _ = io.Copy(c, b); _ = c.Close() }()
		go func() { _, _ = io.Copy(b, &cutReader{r: c, p: p}); _ = b.Close() }()
	}
}

func (p *cuttingProxy) dropAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
		delete(p.conns, c)
	}
}

type cutReader struct {
	r io.Reader
	p *cuttingProxy
}

func (c *cutReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if left := c.p.armed.Load(); left > 0 {
		if c.p.armed.Add(-int64(n)) <= 0 && c.p.cut.CompareAndSwap(false, true) {
			c.p.armed.Store(0)
			c.p.dropAll()
			return 0, io.ErrClosedPipe
		}
	}
	return n, err
}
