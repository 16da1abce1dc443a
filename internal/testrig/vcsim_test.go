package testrig

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/url"
	"strings"
	"testing"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// TestVCSimLogin: the default simulator takes only its own login, on loopback, and Client
// reaches its inventory.
func TestVCSimLogin(t *testing.T) {
	ctx := context.Background()
	s := StartVCSim(t)
	if s.Username != VCSimUser || s.Password != VCSimPassword || !s.Insecure {
		t.Fatalf("login %q/%q insecure=%v, want the defaults", s.Username, s.Password, s.Insecure)
	}
	if !strings.HasPrefix(s.Host(), "127.0.0.1:") || s.URL.Scheme != "https" || s.URL.Path != "/sdk" {
		t.Fatalf("URL %s: want https://127.0.0.1:port/sdk", s.URL.Redacted())
	}
	c, err := s.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Logout(ctx) }()
	dcs, err := find.NewFinder(c.Client).DatacenterList(ctx, "*")
	if err != nil || len(dcs) != 1 {
		t.Fatalf("datacenters: %v, %v; want DC0 alone", dcs, err)
	}

	wrong := *s.URL
	wrong.User = url.UserPassword(VCSimUser, "not-the-password")
	if _, err := govmomi.NewClient(ctx, &wrong, true); err == nil {
		t.Fatal("a wrong password logged in")
	}
}

// TestVCSimAnyLogin: with WithAnyLogin every login works, as the packer templates need.
func TestVCSimAnyLogin(t *testing.T) {
	ctx := context.Background()
	s := StartVCSim(t, WithAnyLogin())
	u := *s.URL
	u.User = url.UserPassword("someone", "anything")
	c, err := govmomi.NewClient(ctx, &u, true)
	if err != nil {
		t.Fatalf("any login: %v", err)
	}
	_ = c.Logout(ctx)
}

// TestVCSimOptions: the model options reach the inventory, and faults are injected.
func TestVCSimOptions(t *testing.T) {
	ctx := context.Background()
	s := StartVCSim(t, WithLogin("u@local", "p-4x!"), WithClusterHosts(1),
		WithModel(func(m *simulator.Model) { m.Datastore = 2 }))
	if s.Username != "u@local" || s.Password != "p-4x!" {
		t.Fatalf("login %q/%q", s.Username, s.Password)
	}
	c, err := s.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Logout(ctx) }()
	f := find.NewFinder(c.Client, true)
	hosts, err := f.HostSystemList(ctx, "/DC0/host/DC0_C0/*")
	if err != nil || len(hosts) != 1 {
		t.Fatalf("cluster hosts: %v, %v; want 1", hosts, err)
	}
	dss, err := f.DatastoreList(ctx, "/DC0/datastore/*")
	if err != nil || len(dss) != 2 {
		t.Fatalf("datastores: %v, %v; want 2", dss, err)
	}

	s.AddFault("PowerOnVM_Task", new(types.InvalidState), 1)
	vms, err := f.VirtualMachineList(ctx, "/DC0/vm/*")
	if err != nil || len(vms) == 0 {
		t.Fatalf("VMs: %v, %v", vms, err)
	}
	vm := vms[0]
	if task, err := vm.PowerOff(ctx); err == nil {
		_ = task.Wait(ctx)
	}
	task, err := vm.PowerOn(ctx)
	if err == nil {
		err = task.Wait(ctx)
	}
	if err == nil {
		t.Fatal("the injected PowerOnVM_Task fault did not fire")
	}
}

// TestVCSimCertificate: CertificatePEM is the certificate the server presents, so a client
// that trusts it alone (ca_file) verifies the connection.
func TestVCSimCertificate(t *testing.T) {
	s := StartVCSim(t)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.CertificatePEM()) {
		t.Fatal("CertificatePEM holds no certificate")
	}
	conn, err := tls.Dial("tcp", s.Host(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("TLS with only the simulator's certificate trusted: %v", err)
	}
	_ = conn.Close()
}

// TestVCSimLoopbackOnly: a listen address off loopback is refused before anything listens.
func TestVCSimLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:0", ":0", "example.invalid:0", "no-port"} {
		if s, err := NewVCSim(WithListen(addr)); err == nil {
			s.Close()
			t.Errorf("WithListen(%q) was accepted", addr)
		}
	}
	for _, addr := range []string{"127.0.0.3:0", "localhost:0"} {
		s, err := NewVCSim(WithListen(addr))
		if err != nil {
			t.Errorf("WithListen(%q): %v", addr, err)
			continue
		}
		s.Close()
	}
}
