package vmware

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// envVars are every variable the configuration reads; tests start from an
// environment where all of them are empty (which the code treats as unset).
var envVars = []string{
	"VSPHERE_SERVER", "VSPHERE_USER", "VSPHERE_PASSWORD",
	"GOVC_URL", "GOVC_USERNAME", "GOVC_PASSWORD", "GOVC_INSECURE",
	"VCURL",
	"VCDATACENTER", "GOVC_DATACENTER", "VCDATASTORE", "GOVC_DATASTORE",
	"VCNETWORK", "GOVC_NETWORK", "VCHOST", "GOVC_HOST",
	"GOVC_RESOURCE_POOL", "GOVC_FOLDER",
}

// cleanEnv empties every variable the configuration reads and plays an Intel
// host, for the duration of the test.
func cleanEnv(t *testing.T) {
	t.Helper()
	for _, v := range envVars {
		t.Setenv(v, "")
	}
	old := onAppleSilicon
	onAppleSilicon = func() bool { return false }
	t.Cleanup(func() { onAppleSilicon = old })
}

// configure runs Configure the way Packer does for a JSON template: the
// plugin's options in one map, Packer's own keys in another.
func configure(t *testing.T, raw map[string]interface{}, packer ...map[string]interface{}) (Config, error) {
	t.Helper()
	var p PostProcessor
	raws := []interface{}{raw}
	for _, m := range packer {
		raws = append(raws, m)
	}
	err := p.Configure(raws...)
	return p.Config(), err
}

// mustConfigure is configure for configurations that must be valid.
func mustConfigure(t *testing.T, raw map[string]interface{}, packer ...map[string]interface{}) Config {
	t.Helper()
	c, err := configure(t, raw, packer...)
	if err != nil {
		t.Fatalf("Configure(%v): %v", raw, err)
	}
	return c
}

// vsphereMinimal is the smallest valid vsphere configuration, plus extra.
func vsphereMinimal(extra map[string]interface{}) map[string]interface{} {
	m := map[string]interface{}{
		"target":         "vsphere",
		"vcenter_server": "vc.example.com",
		"username":       "administrator@vsphere.local",
		"password":       "vsphere-minimal-password",
	}
	maps.Copy(m, extra)
	return m
}

// desktop is a fusion configuration with extra options.
func desktop(extra map[string]interface{}) map[string]interface{} {
	m := map[string]interface{}{"target": "fusion"}
	maps.Copy(m, extra)
	return m
}

// tempFile writes a small file in the test's temporary folder.
func tempFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantErrors fails unless err's message contains every one of want.
func wantErrors(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("Configure succeeded, want errors containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not contain %q:\n%v", w, err)
		}
	}
}
