package vmware_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware"
)

// configure runs Configure the way Packer does for a JSON template: the
// plugin's options in one map, Packer's own keys in another.
func configure(t *testing.T, raw map[string]interface{}, packer ...map[string]interface{}) (vmware.Config, error) {
	t.Helper()
	var p vmware.PostProcessor
	raws := []interface{}{raw}
	for _, m := range packer {
		raws = append(raws, m)
	}
	err := p.Configure(raws...)
	return p.Config(), err
}

// mustConfigure is configure for configurations that must be valid.
func mustConfigure(t *testing.T, raw map[string]interface{}, packer ...map[string]interface{}) vmware.Config {
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

// fusion is a fusion configuration with extra options.
func fusion(extra map[string]interface{}) map[string]interface{} {
	m := map[string]interface{}{"target": "fusion"}
	maps.Copy(m, extra)
	return m
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
