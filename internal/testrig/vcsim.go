package testrig

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"net"
	"net/url"
	"testing"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/simulator"
	_ "github.com/vmware/govmomi/vapi/simulator" // content library and tagging endpoints
	"github.com/vmware/govmomi/vim25/types"
)

// The login a VCSim requires unless an option says otherwise. The password holds characters
// that URL escaping changes (/, :, @, %), so a test that looks for it in logs and errors
// catches a leak in any spelling.
const (
	VCSimUser     = "builder@vsphere.local"
	VCSimPassword = "Sup3r/S3cret:p@ss%word"
)

// VCSim is one govmomi vCenter simulator (the VPX model, with the vAPI endpoints that content
// libraries need) serving TLS on a loopback address. It is the one vcsim setup of the project:
// the driver's tests, the post-processor's tests and the vcsim command all start it here.
type VCSim struct {
	// Model is the simulated inventory. Tests reach the service through it, for example to
	// inject faults (see AddFault).
	Model *simulator.Model
	// Server is the running HTTPS server.
	Server *simulator.Server
	// URL is the SDK endpoint, https://host:port/sdk, carrying the login as its user info
	// (as GOVC_URL spells it).
	URL *url.URL
	// Username and Password are the login the simulator accepts; with WithAnyLogin it
	// accepts every login and these are govmomi's defaults.
	Username, Password string
	// Insecure is true: the server's certificate is self-signed, so a client either skips
	// verification or trusts CertificatePEM (ca_file).
	Insecure bool
}

// VCSimOption changes how NewVCSim builds the simulator.
type VCSimOption func(*vcsimConfig)

type vcsimConfig struct {
	listen      string
	user, pass  string
	anyLogin    bool
	clusterHost int
	tweaks      []func(*simulator.Model)
}

// WithLogin makes the simulator accept only this user name and password.
func WithLogin(user, password string) VCSimOption {
	return func(c *vcsimConfig) { c.user, c.pass, c.anyLogin = user, password, false }
}

// WithAnyLogin makes the simulator accept every user name and password, as a packer template
// run against it may pass whatever it was given.
func WithAnyLogin() VCSimOption {
	return func(c *vcsimConfig) { c.anyLogin = true }
}

// WithListen sets the listen address (default 127.0.0.1:0). It must be a loopback address:
// NewVCSim refuses any other.
func WithListen(addr string) VCSimOption {
	return func(c *vcsimConfig) { c.listen = addr }
}

// WithClusterHosts sets how many hosts the model's cluster has (govmomi's default is 3).
func WithClusterHosts(n int) VCSimOption {
	return func(c *vcsimConfig) { c.clusterHost = n }
}

// WithModel adjusts the model (datastores, folders, portgroups...) before it is created.
// Several WithModel options apply in order.
func WithModel(tweak func(*simulator.Model)) VCSimOption {
	return func(c *vcsimConfig) { c.tweaks = append(c.tweaks, tweak) }
}

// NewVCSim creates the model and serves it. The caller must Close it; tests use StartVCSim,
// which does so on t.Cleanup.
func NewVCSim(opts ...VCSimOption) (*VCSim, error) {
	c := vcsimConfig{listen: "127.0.0.1:0", user: VCSimUser, pass: VCSimPassword, clusterHost: -1}
	for _, o := range opts {
		o(&c)
	}
	if err := checkLoopback(c.listen); err != nil {
		return nil, err
	}
	m := simulator.VPX()
	if c.clusterHost >= 0 {
		m.ClusterHost = c.clusterHost
	}
	for _, tweak := range c.tweaks {
		tweak(m)
	}
	if err := m.Create(); err != nil {
		return nil, fmt.Errorf("testrig: create the vcsim model: %w", err)
	}
	login := url.UserPassword(c.user, c.pass)
	if c.anyLogin {
		login = simulator.DefaultLogin // the simulator checks no other login then
	}
	m.Service.TLS = new(tls.Config)
	m.Service.RegisterEndpoints = true
	m.Service.Listen = &url.URL{Host: c.listen, User: login}
	s := m.Service.NewServer()
	pass, _ := s.URL.User.Password()
	return &VCSim{
		Model:    m,
		Server:   s,
		URL:      s.URL,
		Username: s.URL.User.Username(),
		Password: pass,
		Insecure: true,
	}, nil
}

// StartVCSim starts a simulator for one test (NewVCSim with opts); t.Cleanup stops it.
func StartVCSim(t testing.TB, opts ...VCSimOption) *VCSim {
	t.Helper()
	s, err := NewVCSim(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Host is the server's host:port, the form a vcenter_server option takes.
func (s *VCSim) Host() string { return s.URL.Host }

// CertificatePEM is the server's certificate in PEM, for tests of ca_file.
func (s *VCSim) CertificatePEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Server.Certificate().Raw})
}

// Client logs in to the simulator with its login, skipping certificate checks, for a test's
// own look at the inventory. The caller logs out (client.Logout) when done.
func (s *VCSim) Client(ctx context.Context) (*govmomi.Client, error) {
	c, err := govmomi.NewClient(ctx, s.URL, true)
	if err != nil {
		return nil, fmt.Errorf("testrig: log in to vcsim at %s: %w", s.Host(), err)
	}
	return c, nil
}

// AddFault makes the next count calls of the named vSphere method (e.g. "CreateVM_Task")
// fail with fault, on any object, and returns the rule so a test can disable it.
func (s *VCSim) AddFault(method string, fault types.BaseMethodFault, count int) *simulator.FaultInjectionRule {
	r := &simulator.FaultInjectionRule{
		MethodName: method, ObjectType: "*", ObjectName: "*",
		Probability: 1, FaultType: simulator.FaultTypeCustom, Fault: fault, MaxCount: count, Enabled: true,
	}
	s.Model.Service.AddFaultRule(r)
	return r
}

// Close stops the server and removes the model's datastore folders.
func (s *VCSim) Close() {
	s.Server.Close()
	s.Model.Remove()
}

// checkLoopback refuses a listen address outside 127.0.0.0/8 and ::1: a simulator is for
// this machine only.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("testrig: vcsim listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("testrig: vcsim listen address %q is not a loopback address", addr)
	}
	return nil
}
