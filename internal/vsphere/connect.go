package vsphere

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/session/keepalive"
	"github.com/vmware/govmomi/vapi/rest"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// keepAliveIdle is how long a session may sit idle before the keep-alive pings vCenter;
// well under vCenter's default 30-minute session timeout.
const keepAliveIdle = 5 * time.Minute

// ConnectConfig is how to reach and log in to vCenter.
type ConnectConfig struct {
	// Server is vCenter's host name or address, optionally with ":port". A URL
	// ("https://host/sdk") is accepted too; any user information in it is ignored.
	Server string
	// Username and Password are the credentials for both the SOAP and the vAPI session.
	Username string
	Password string
	// Insecure skips TLS verification. It must be asked for: the default verifies.
	Insecure bool
	// CAFile is a PEM file of certificate authorities vCenter's certificate is checked
	// against, instead of the system's roots.
	CAFile string
	// Logf receives progress and warning lines (never secrets); nil discards them.
	Logf func(format string, args ...any)
}

// Driver is one logged-in vCenter session. Its methods are what the Packer steps call; it is
// safe for use by one step at a time.
type Driver struct {
	vc   *vim25.Client
	sm   *session.Manager
	host string
	user *url.Userinfo // kept for the vAPI login, never printed
	pass string
	log  func(format string, args ...any)

	restMu sync.Mutex
	rc     *rest.Client

	closed bool

	attempts int           // retry attempts; 0 means defaultAttempts
	backoff  time.Duration // first retry wait; 0 means defaultBackoff
}

// Connect opens a SOAP session to vCenter with a keep-alive, verifying TLS unless
// cfg.Insecure. Its errors say what went wrong in the user's terms (wrong credentials,
// untrusted certificate, unreachable server) and never contain the password.
func Connect(ctx context.Context, cfg ConnectConfig) (*Driver, error) {
	d, err := connect(ctx, cfg)
	return d, redact(err, cfg.Password)
}

func connect(ctx context.Context, cfg ConnectConfig) (*Driver, error) {
	u, err := serverURL(cfg.Server)
	if err != nil {
		return nil, err
	}
	if cfg.Username == "" {
		return nil, fmt.Errorf("vSphere %s: a user name is required", u.Host)
	}
	if cfg.Insecure && cfg.CAFile != "" {
		return nil, fmt.Errorf("vSphere %s: ca_file and insecure_connection cannot be combined", u.Host)
	}
	sc := soap.NewClient(u, cfg.Insecure)
	if cfg.CAFile != "" {
		if _, err := os.Stat(cfg.CAFile); err != nil {
			return nil, fmt.Errorf("vSphere ca_file: %w", err)
		}
		if err := sc.SetRootCAs(cfg.CAFile); err != nil {
			return nil, fmt.Errorf("vSphere ca_file %s: %w", cfg.CAFile, err)
		}
	}
	vc, err := vim25.NewClient(ctx, sc)
	if err != nil {
		return nil, connectError(u.Host, err)
	}
	vc.RoundTripper = keepalive.NewHandlerSOAP(vc.RoundTripper, keepAliveIdle, nil)
	d := &Driver{
		vc:   vc,
		sm:   session.NewManager(vc),
		host: u.Host,
		user: url.UserPassword(cfg.Username, cfg.Password),
		pass: cfg.Password,
		log:  cfg.Logf,
	}
	if err := d.sm.Login(ctx, d.user); err != nil {
		if fault.Is(err, &types.InvalidLogin{}) {
			return nil, fmt.Errorf("vSphere login as %s failed: %w", cfg.Username, ErrInvalidLogin)
		}
		return nil, fmt.Errorf("vSphere login as %s: %w", cfg.Username, connectError(u.Host, err))
	}
	d.logf("vSphere: logged in to %s as %s", u.Host, cfg.Username)
	return d, nil
}

// serverURL turns "host[:port]" or a URL into the SDK endpoint, without user information.
func serverURL(server string) (*url.URL, error) {
	s := strings.TrimSpace(server)
	if s == "" {
		return nil, errors.New("vSphere server: an address is required")
	}
	scheme := "https://"
	if i := strings.Index(s, "://"); i >= 0 {
		scheme, s = s[:i+3], s[i+3:]
	}
	// Drop user information by hand: a password may hold characters ('/', '%') that make
	// the URL unparsable, and url.Parse errors quote their input.
	if i := strings.LastIndex(s, "@"); i >= 0 {
		s = s[i+1:]
	}
	u, err := url.Parse(scheme + s)
	if err != nil || u.Host == "" {
		// url.Parse errors quote the input, which may hold a password: say less.
		return nil, errors.New("vSphere server: not a host name, host:port or URL")
	}
	u.User = nil
	if u.Path == "" || u.Path == "/" {
		u.Path = vim25.Path
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// connectError classifies a failure to reach vCenter.
func connectError(host string, err error) error {
	if soap.IsCertificateUntrusted(err) {
		return fmt.Errorf("vSphere %s: %w: %w", host, ErrCertificateUntrusted, err)
	}
	var ne net.Error
	var oe *net.OpError
	var de *net.DNSError
	if errors.As(err, &oe) || errors.As(err, &de) || (errors.As(err, &ne) && ne.Timeout()) || isTransient(err) {
		return fmt.Errorf("vSphere %s: %w: %w", host, ErrUnreachable, err)
	}
	return fmt.Errorf("vSphere %s: %w", host, err)
}

// secretForms lists the spellings a password can take inside a message: raw, and escaped
// as a URL's user information, path or query.
func secretForms(secret string) []string {
	forms := []string{secret, url.PathEscape(secret), url.QueryEscape(secret)}
	if s := url.UserPassword("u", secret).String(); strings.HasPrefix(s, "u:") {
		forms = append(forms, strings.TrimPrefix(s, "u:"))
	}
	return forms
}

// Client returns the logged-in SOAP client, for callers that need govmomi directly (tests,
// diagnostics). Steps should prefer the Driver's methods.
func (d *Driver) Client() *vim25.Client { return d.vc }

// Host returns the vCenter host (and port) this driver is connected to.
func (d *Driver) Host() string { return d.host }

// logf forwards to ConnectConfig.Logf, when set.
func (d *Driver) logf(format string, args ...any) {
	if d.log != nil {
		d.log(format, args...)
	}
}

// restClient returns the vAPI (REST) session, logging in with the same credentials on first
// use. Content library calls need it; a build that never publishes never opens it.
func (d *Driver) restClient(ctx context.Context) (*rest.Client, error) {
	d.restMu.Lock()
	defer d.restMu.Unlock()
	if d.rc != nil {
		return d.rc, nil
	}
	rc := rest.NewClient(d.vc)
	rc.Transport = keepalive.NewHandlerREST(rc, keepAliveIdle, nil)
	if err := rc.Login(ctx, d.user); err != nil {
		if isStatus(err, 401) || isStatus(err, 403) {
			return nil, fmt.Errorf("vSphere API login as %s failed: %w", d.user.Username(), ErrInvalidLogin)
		}
		return nil, redact(fmt.Errorf("vSphere API login as %s: %w", d.user.Username(), err), d.pass)
	}
	d.rc = rc
	return rc, nil
}

// Close logs out of the vAPI and SOAP sessions, which also stops their keep-alives. Errors
// are logged, not returned: a session that is already gone needs no logout.
func (d *Driver) Close() {
	if d == nil || d.vc == nil || d.closed {
		return
	}
	d.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d.restMu.Lock()
	if d.rc != nil {
		if err := d.rc.Logout(ctx); err != nil {
			d.logf("vSphere: API logout: %v", err)
		}
		d.rc = nil
	}
	d.restMu.Unlock()
	if err := d.sm.Logout(ctx); err != nil {
		d.logf("vSphere: logout: %v", err)
	}
	d.vc.CloseIdleConnections()
}
