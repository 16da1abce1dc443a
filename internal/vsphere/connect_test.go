package vsphere

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/vmware/govmomi/session"
)

// assertNoSecret fails when err's message holds the test password in any spelling.
func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	for _, s := range secretForms(testPassword) {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error leaks the password: %v", err)
		}
	}
}

func TestConnectLogsInAndOut(t *testing.T) {
	s := sharedSim(t)
	d, err := Connect(context.Background(), s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	us, err := session.NewManager(d.Client()).UserSession(ctx)
	if err != nil || us == nil || us.UserName != testUser {
		t.Fatalf("session after Connect: %+v, %v", us, err)
	}
	if _, err := d.restClient(ctx); err != nil {
		t.Fatalf("vAPI login: %v", err)
	}
	d.Close()
	d.Close() // a second Close is harmless
	if us, err := session.NewManager(d.Client()).UserSession(ctx); err == nil && us != nil {
		t.Errorf("session still valid after Close: %+v", us)
	}
}

func TestConnectWrongPassword(t *testing.T) {
	s := sharedSim(t)
	for _, server := range []string{
		s.cfg.Server,
		// A URL with user information: it must be ignored, and never echoed.
		"https://" + strings.Replace(testUser, "@", "%40", 1) + ":" + "Sup3r%2FS3cret%3Ap%40ss%25word" + "@" + s.cfg.Server + "/sdk",
	} {
		cfg := s.cfg
		cfg.Server = server
		cfg.Password = "wrong-" + testPassword
		_, err := Connect(context.Background(), cfg)
		if !errors.Is(err, ErrInvalidLogin) {
			t.Fatalf("Connect(%s) with a wrong password: %v, want ErrInvalidLogin", server, err)
		}
		want := "vSphere login as " + testUser + " failed: incorrect user name or password"
		if err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
		assertNoSecret(t, err)
	}
}

func TestConnectTLS(t *testing.T) {
	s := sharedSim(t)
	ctx := context.Background()

	cfg := s.cfg
	cfg.Insecure = false
	_, err := Connect(ctx, cfg)
	if !errors.Is(err, ErrCertificateUntrusted) || !strings.Contains(err.Error(), "TLS: certificate not trusted (set ca_file or insecure_connection)") {
		t.Fatalf("Connect without trust: %v", err)
	}

	ca, err := s.Server.CertificateFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg.CAFile = ca
	d, err := Connect(ctx, cfg)
	if err != nil {
		t.Fatalf("Connect with ca_file: %v", err)
	}
	d.Close()

	cfg.Insecure = true
	if _, err := Connect(ctx, cfg); err == nil || !strings.Contains(err.Error(), "cannot be combined") {
		t.Errorf("Connect with ca_file and insecure: %v", err)
	}
	cfg.Insecure, cfg.CAFile = false, ca+".missing"
	if _, err := Connect(ctx, cfg); err == nil || !strings.Contains(err.Error(), "ca_file") {
		t.Errorf("Connect with a missing ca_file: %v", err)
	}
}

func TestConnectUnreachable(t *testing.T) {
	cfg := ConnectConfig{
		Server:   "https://u:" + testPassword + "@127.0.0.1:1/sdk",
		Username: testUser,
		Password: testPassword,
		Insecure: true,
	}
	_, err := Connect(context.Background(), cfg)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("Connect to a closed port: %v", err)
	}
	assertNoSecret(t, err)

	for _, bad := range []string{"", "https://" + testPassword + "@[::1", "   "} {
		cfg.Server = bad
		_, err := Connect(context.Background(), cfg)
		if err == nil {
			t.Fatalf("Connect(%q) succeeded", bad)
		}
		assertNoSecret(t, err)
	}
}

func TestServerURL(t *testing.T) {
	for in, want := range map[string]string{
		"vc.example.com":                    "https://vc.example.com/sdk",
		"vc.example.com:8443":               "https://vc.example.com:8443/sdk",
		"https://u:p@vc.example.com/sdk":    "https://vc.example.com/sdk",
		"http://127.0.0.1:8989/sdk?x=1#top": "http://127.0.0.1:8989/sdk",
	} {
		u, err := serverURL(in)
		if err != nil || u.String() != want {
			t.Errorf("serverURL(%q) = %v, %v; want %s", in, u, err, want)
		}
	}
}

func TestRedact(t *testing.T) {
	base := errors.New("boom")
	err := redact(errors.Join(base, errors.New("user:"+testPassword+" and Sup3r%2FS3cret%3Ap%40ss%25word")), testPassword)
	if strings.Contains(err.Error(), "S3cret") || !errors.Is(err, base) {
		t.Errorf("redact: %q (chain kept: %v)", err, errors.Is(err, base))
	}
	if got := redact(base, testPassword); got != base {
		t.Errorf("redact changed an error without the secret: %v", got)
	}
	if redact(nil, testPassword) != nil {
		t.Error("redact(nil) is not nil")
	}
}
