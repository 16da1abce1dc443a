//go:generate go tool packer-sdc struct-markdown

package vsphere

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// ConnectionConfig is how the post-processor reaches vCenter. Each field
// left unset falls back, on its own, to the environment: first
// `VSPHERE_SERVER`/`VSPHERE_USER`/`VSPHERE_PASSWORD`, then
// `GOVC_USERNAME`/`GOVC_PASSWORD`/`GOVC_INSECURE` and the parts of
// `GOVC_URL`, then the parts of `VCURL` (`user:password@host/sdk`). Passwords
// found anywhere, including inside those URLs, are hidden from Packer's logs.
type ConnectionConfig struct {
	// The vCenter server: a host name or address, optionally with `:port`
	// (not a URL). Required, unless the environment provides it.
	VCenterServer string `mapstructure:"vcenter_server"`
	// The user name. Required, unless the environment provides it.
	Username string `mapstructure:"username"`
	// The password. Required, unless the environment provides it.
	Password string `mapstructure:"password"`
	// Do not verify vCenter's TLS certificate. Defaults to `GOVC_INSECURE`
	// (`1` or `true`), else `false`. It cannot be combined with `ca_file`.
	InsecureConnection *bool `mapstructure:"insecure_connection"`
	// A PEM file of certificate authorities that vCenter's certificate is
	// verified against, instead of the system's. The file must exist.
	CAFile string `mapstructure:"ca_file"`
}

// Prepare fills each unset connection field from the environment (see the
// type's comment for the order), hides every password it meets from Packer's
// logs, and checks what it ends up with. No error message ever includes a
// password or a URL that may hold one.
func (c *ConnectionConfig) Prepare() []error {
	var errs []error
	env := readVCenterEnv()
	pick := func(vars []string, part func(vcURL) string) string {
		if v := firstEnv(vars...); v != "" {
			return v
		}
		v, err := env.first(part)
		if err != nil {
			errs = append(errs, err)
		}
		return v
	}
	if c.VCenterServer == "" {
		c.VCenterServer = pick([]string{"VSPHERE_SERVER"}, func(u vcURL) string { return u.host })
	} else if err := checkServer(c.VCenterServer); err != nil {
		hideURLPassword(c.VCenterServer)
		errs = append(errs, err)
	}
	if c.Username == "" {
		c.Username = pick([]string{"VSPHERE_USER", "GOVC_USERNAME"}, func(u vcURL) string { return u.user })
	}
	if c.Password == "" {
		c.Password = pick([]string{"VSPHERE_PASSWORD", "GOVC_PASSWORD"}, func(u vcURL) string { return u.password })
	}
	if c.Password != "" {
		packersdk.LogSecretFilter.Set(c.Password)
	}

	if c.InsecureConnection != nil && *c.InsecureConnection && c.CAFile != "" {
		errs = append(errs, fmt.Errorf("ca_file and insecure_connection = true contradict each other; remove one of them"))
	}
	if c.InsecureConnection == nil && c.CAFile == "" {
		if v := os.Getenv("GOVC_INSECURE"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("GOVC_INSECURE=%q is not a boolean; use 1, 0, true or false", v))
			} else {
				c.InsecureConnection = common.BoolPtr(b)
			}
		}
	}
	if c.InsecureConnection == nil {
		c.InsecureConnection = common.BoolPtr(false)
	}
	if c.CAFile != "" {
		if err := common.CheckFile("ca_file", c.CAFile); err != nil {
			errs = append(errs, err)
		}
	}

	const target = `for target "vsphere"`
	if c.VCenterServer == "" {
		errs = append(errs, fmt.Errorf("vcenter_server is required %s; set it, or VSPHERE_SERVER, GOVC_URL or VCURL", target))
	}
	if c.Username == "" {
		errs = append(errs, fmt.Errorf("username is required %s; set it, or VSPHERE_USER, GOVC_USERNAME, or a user in GOVC_URL or VCURL", target))
	}
	if c.Password == "" {
		errs = append(errs, fmt.Errorf("password is required %s; set it, or VSPHERE_PASSWORD, GOVC_PASSWORD, or a password in GOVC_URL or VCURL", target))
	}
	return errs
}

// checkServer accepts "host" or "host:port". The value is echoed only when it
// cannot hold a password (no '@').
func checkServer(s string) error {
	if strings.Contains(s, "@") {
		return fmt.Errorf("vcenter_server must be a host name or address, optionally with :port; " +
			"put the user name and password in username and password (the value is not shown, as it may contain a password)")
	}
	u, err := url.Parse("https://" + s)
	if err != nil || u.Host != s || u.Hostname() == "" {
		return fmt.Errorf("vcenter_server %q must be a host name or address, optionally with :port, not a URL", s)
	}
	return nil
}
