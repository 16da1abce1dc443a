package vsphere_test

import (
	"strings"
	"testing"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// vsphereBare is a vsphere configuration without connection options, so the
// environment has to provide them.
func vsphereBare(extra map[string]interface{}) map[string]interface{} {
	return vmwaretest.With(map[string]interface{}{"target": "vsphere"}, extra)
}

func TestConnectionEnvFallbacks(t *testing.T) {
	tests := []struct {
		name                   string
		env                    map[string]string
		raw                    map[string]interface{}
		server, user, password string
		insecure               bool
	}{
		{
			name:   "VSPHERE_ variables",
			env:    map[string]string{"VSPHERE_SERVER": "vc1", "VSPHERE_USER": "u1", "VSPHERE_PASSWORD": "p1", "GOVC_URL": "https://u2:p2@vc2/sdk"},
			server: "vc1", user: "u1", password: "p1",
		},
		{
			name:   "GOVC_URL with user and password",
			env:    map[string]string{"GOVC_URL": "https://administrator@vsphere.local:Passw0rd!@vc.example.com:8443/sdk", "GOVC_INSECURE": "1"},
			server: "vc.example.com:8443", user: "administrator@vsphere.local", password: "Passw0rd!", insecure: true,
		},
		{
			name:   "GOVC_URL without scheme, percent-encoded password",
			env:    map[string]string{"GOVC_URL": "root:p%23ss%2Fw@127.0.0.1:43431", "GOVC_INSECURE": "true"},
			server: "127.0.0.1:43431", user: "root", password: "p#ss/w", insecure: true,
		},
		{
			name:   "GOVC_USERNAME and GOVC_PASSWORD win over GOVC_URL",
			env:    map[string]string{"GOVC_URL": "https://u2:p2@vc2/sdk", "GOVC_USERNAME": "gu", "GOVC_PASSWORD": "gp"},
			server: "vc2", user: "gu", password: "gp",
		},
		{
			name:   "VCURL",
			env:    map[string]string{"VCURL": "vcuser:vcpass@vc3.example.com/sdk"},
			server: "vc3.example.com", user: "vcuser", password: "vcpass",
		},
		{
			name:   "field by field: GOVC_URL host and user, VCURL password",
			env:    map[string]string{"GOVC_URL": "https://onlyuser@vc4/sdk", "VCURL": "x:fromvcurl@vc5/sdk"},
			server: "vc4", user: "onlyuser", password: "fromvcurl",
		},
		{
			name:   "template wins over the environment",
			env:    map[string]string{"VSPHERE_SERVER": "vc1", "VSPHERE_USER": "u1", "VSPHERE_PASSWORD": "p1", "GOVC_INSECURE": "1"},
			raw:    map[string]interface{}{"vcenter_server": "mine", "username": "me", "password": "secret", "insecure_connection": false},
			server: "mine", user: "me", password: "secret",
		},
		{
			name:   "GOVC_INSECURE=0",
			env:    map[string]string{"GOVC_URL": "u:pw-zero@vc", "GOVC_INSECURE": "0"},
			server: "vc", user: "u", password: "pw-zero",
		},
		{
			name:   "a broken GOVC_URL is not read when nothing falls back to it",
			env:    map[string]string{"GOVC_URL": "https://u:pw#x@vc/sdk"},
			raw:    map[string]interface{}{"vcenter_server": "mine", "username": "me", "password": "secret"},
			server: "mine", user: "me", password: "secret",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vmwaretest.CleanEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c := vmwaretest.MustConfigure(t, vsphereBare(tt.raw))
			if c.VCenterServer != tt.server || c.Username != tt.user || c.Password != tt.password || *c.InsecureConnection != tt.insecure {
				t.Errorf("got server %q user %q password %q insecure %v; want %q %q %q %v",
					c.VCenterServer, c.Username, c.Password, *c.InsecureConnection, tt.server, tt.user, tt.password, tt.insecure)
			}
		})
	}
}

func TestCAFileIgnoresGOVCInsecure(t *testing.T) {
	vmwaretest.CleanEnv(t)
	t.Setenv("GOVC_INSECURE", "1")
	c := vmwaretest.MustConfigure(t, vmwaretest.VSphereMinimal(map[string]interface{}{"ca_file": vmwaretest.TempFile(t, "ca.pem", "x")}))
	if *c.InsecureConnection {
		t.Error("GOVC_INSECURE overrode an explicit ca_file")
	}
}

func TestPlacementEnvFallbacks(t *testing.T) {
	vmwaretest.CleanEnv(t)
	for k, v := range map[string]string{
		"VCDATACENTER": "dc-vc", "GOVC_DATACENTER": "dc-govc",
		"GOVC_DATASTORE": "ds-govc",
		"VCNETWORK":      "net-vc", "GOVC_NETWORK": "net-govc",
		"GOVC_HOST":          "host-govc",
		"GOVC_RESOURCE_POOL": "pool-govc", "GOVC_FOLDER": "folder-govc",
	} {
		t.Setenv(k, v)
	}
	c := vmwaretest.MustConfigure(t, vmwaretest.VSphereMinimal(map[string]interface{}{"folder": "mine"}))
	got := []string{c.Datacenter, c.Datastore, c.Network, c.Host, c.ResourcePool, c.Folder, c.Cluster}
	want := []string{"dc-vc", "ds-govc", "net-vc", "host-govc", "pool-govc", "mine", ""}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("placement = %v, want %v", got, want)
	}
	t.Setenv("VCDATASTORE", "ds-vc")
	t.Setenv("VCHOST", "host-vc")
	c = vmwaretest.MustConfigure(t, vmwaretest.VSphereMinimal(nil))
	if c.Datastore != "ds-vc" || c.Host != "host-vc" {
		t.Errorf("VCDATASTORE/VCHOST must win over GOVC_*: %q %q", c.Datastore, c.Host)
	}
}

func TestConnectionEnvErrors(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		raw    map[string]interface{}
		want   []string
		secret string // must not appear in the message
	}{
		{
			name: "nothing set",
			want: []string{
				`vcenter_server is required for target "vsphere"; set it, or VSPHERE_SERVER, GOVC_URL or VCURL`,
				`username is required for target "vsphere"; set it, or VSPHERE_USER, GOVC_USERNAME, or a user in GOVC_URL or VCURL`,
				`password is required for target "vsphere"; set it, or VSPHERE_PASSWORD, GOVC_PASSWORD, or a password in GOVC_URL or VCURL`,
			},
		},
		{
			name:   "GOVC_URL that url.Parse rejects",
			env:    map[string]string{"GOVC_URL": "https://admin:Sup3r#Secr3t@vc.example.com/sdk"},
			want:   []string{"GOVC_URL is not a valid URL", "its value is not shown", "percent-encode"},
			secret: "Sup3r#Secr3t",
		},
		{
			name:   "VCURL with a bad port",
			env:    map[string]string{"VCURL": "admin:pa:ss@vc:notaport/sdk"},
			want:   []string{"VCURL is not a valid URL"},
			secret: "pa:ss",
		},
		{
			name:   "GOVC_URL with another scheme",
			env:    map[string]string{"GOVC_URL": "ftp://admin:ftpsecret@vc"},
			want:   []string{`GOVC_URL must be an https URL such as https://user:password@host/sdk, not a "ftp" URL`},
			secret: "ftpsecret",
		},
		{
			name:   "GOVC_URL without host",
			env:    map[string]string{"GOVC_URL": "https://admin:nohostsecret@/sdk"},
			want:   []string{"GOVC_URL has no host"},
			secret: "nohostsecret",
		},
		{
			name:   "vcenter_server holding credentials",
			raw:    map[string]interface{}{"vcenter_server": "admin:inline-secret@vc", "username": "u", "password": "pw-inline"},
			want:   []string{"vcenter_server must be a host name or address"},
			secret: "inline-secret",
		},
		{
			name: "GOVC_INSECURE not a boolean",
			env:  map[string]string{"GOVC_URL": "u:pw-yes@vc", "GOVC_INSECURE": "yes please"},
			want: []string{`GOVC_INSECURE="yes please" is not a boolean; use 1, 0, true or false`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vmwaretest.CleanEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			_, err := vmwaretest.Configure(t, vsphereBare(tt.raw))
			vmwaretest.WantErrors(t, err, tt.want...)
			if tt.secret != "" && err != nil && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("the error message leaks the password %q:\n%v", tt.secret, err)
			}
			if tt.secret != "" && strings.Contains(packersdk.LogSecretFilter.FilterString("x"+tt.secret+"x"), tt.secret) {
				t.Errorf("the password %q was not registered with the log filter", tt.secret)
			}
		})
	}
}

func TestBrokenURLReportedOnce(t *testing.T) {
	vmwaretest.CleanEnv(t)
	t.Setenv("GOVC_URL", "https://u:pw#q@vc/sdk")
	_, err := vmwaretest.Configure(t, vsphereBare(nil))
	if n := strings.Count(err.Error(), "GOVC_URL is not a valid URL"); n != 1 {
		t.Errorf("the broken GOVC_URL is reported %d times:\n%v", n, err)
	}
}

func TestPasswordsRegisteredAsSecrets(t *testing.T) {
	vmwaretest.CleanEnv(t)
	vmwaretest.MustConfigure(t, vmwaretest.VSphereMinimal(map[string]interface{}{"password": "explicit-pw-7f3a"}))
	t.Setenv("GOVC_URL", "https://u:govc-url-pw-91c2@vc/sdk")
	t.Setenv("VCURL", "u:vcurl%40pw-55d1@vc/sdk") // unused (GOVC_URL comes first) but still hidden
	vmwaretest.MustConfigure(t, vsphereBare(nil))
	t.Setenv("GOVC_URL", "")
	t.Setenv("VCURL", "")
	t.Setenv("GOVC_PASSWORD", "govc-password-c0de")
	vmwaretest.MustConfigure(t, vsphereBare(map[string]interface{}{"vcenter_server": "vc", "username": "u"}))

	for _, s := range []string{"explicit-pw-7f3a", "govc-url-pw-91c2", "vcurl%40pw-55d1", "vcurl@pw-55d1", "govc-password-c0de"} {
		if got := packersdk.LogSecretFilter.FilterString("log: " + s); strings.Contains(got, s) {
			t.Errorf("%q is not hidden from the logs: %q", s, got)
		}
	}
}
