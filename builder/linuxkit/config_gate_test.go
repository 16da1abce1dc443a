package linuxkit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/boottest"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// TestPrepareGateDefaults: sbom is on, boot_test boots every bootable format built with
// 512 MiB for 2 minutes, and accel falls back to the environment.
func TestPrepareGateDefaults(t *testing.T) {
	t.Setenv(AccelEnv, "tcg")
	var c Config
	_, err := c.Prepare(map[string]interface{}{"spec": minimalSpec,
		"formats":   []string{"kernel+initrd", "tar", "iso-bios", "vmdk"},
		"boot_test": map[string]interface{}{"expect": "ok"}})
	if err != nil {
		t.Fatal(err)
	}
	b := c.BootTest
	if c.SBOM == nil || !*c.SBOM || strings.Join(b.Formats, ",") != "kernel+initrd,iso-bios,vmdk" ||
		b.memoryMB != 512 || b.timeout != defaultBootTimeout || b.Accel != boottest.AccelTCG || c.Verify != nil {
		t.Errorf("defaults: sbom %v, boot_test %+v", c.SBOM, b)
	}
	c = Config{}
	if _, err := c.Prepare(map[string]interface{}{"spec": minimalSpec, "sbom": false}); err != nil || *c.SBOM {
		t.Errorf("sbom = false: %v, %v", err, *c.SBOM)
	}
}

func TestPrepareGateErrors(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "cosign.pub")
	if err := os.WriteFile(key, testrig.NewSigner(t).PublicKeyPEM(t), 0o644); err != nil {
		t.Fatal(err)
	}
	notKey := filepath.Join(dir, "not.pub")
	if err := os.WriteFile(notKey, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	boot := func(extra map[string]interface{}) map[string]interface{} {
		b := map[string]interface{}{"expect": "ok"}
		for k, v := range extra {
			b[k] = v
		}
		return map[string]interface{}{"spec": minimalSpec, "formats": []string{"tar", "iso-bios"}, "boot_test": b}
	}
	verifyRaw := func(v map[string]interface{}, extra ...string) map[string]interface{} {
		m := map[string]interface{}{"spec": minimalSpec, "verify": v}
		if len(extra) == 2 {
			m[extra[0]] = extra[1]
		}
		return m
	}
	for name, tc := range map[string]struct {
		raw  map[string]interface{}
		want string
	}{
		"no expect":       {boot(map[string]interface{}{"expect": ""}), `boot_test.expect: required`},
		"bad expect":      {boot(map[string]interface{}{"expect": "("}), `boot_test.expect: error parsing regexp`},
		"bad timeout":     {boot(map[string]interface{}{"timeout": "soon"}), `boot_test.timeout: "soon"`},
		"zero timeout":    {boot(map[string]interface{}{"timeout": "0s"}), `boot_test.timeout`},
		"bare memory":     {boot(map[string]interface{}{"memory": "512"}), `boot_test.memory`},
		"tiny memory":     {boot(map[string]interface{}{"memory": "1M"}), `boot_test.memory: "1M" must be a whole number of MiB, at least 64M`},
		"tar boots":       {boot(map[string]interface{}{"formats": []string{"tar"}}), `boot_test.formats[0]: "tar" does not boot`},
		"not built":       {boot(map[string]interface{}{"formats": []string{"vmdk"}}), `boot_test.formats[0]: "vmdk" is not among formats`},
		"twice":           {boot(map[string]interface{}{"formats": []string{"iso-bios", "iso-bios"}}), `boot_test.formats[1]: "iso-bios" is listed twice`},
		"bad accel":       {boot(map[string]interface{}{"accel": "xen"}), `boot_test.accel: "xen"`},
		"nothing boots":   {map[string]interface{}{"spec": minimalSpec, "formats": []string{"tar"}, "boot_test": map[string]interface{}{"expect": "x"}}, `boot_test: formats [tar] has nothing that boots`},
		"no keys":         {verifyRaw(map[string]interface{}{"images": []string{"linuxkit/*"}}), `verify.public_keys: required`},
		"missing key":     {verifyRaw(map[string]interface{}{"public_keys": []string{filepath.Join(dir, "none.pub")}}), `verify.public_keys[0]: open`},
		"not a key":       {verifyRaw(map[string]interface{}{"public_keys": []string{key, notKey}}), `verify.public_keys[1]: verify: key ` + notKey + `: not a PEM public key`},
		"bad pattern":     {verifyRaw(map[string]interface{}{"public_keys": []string{key}, "images": []string{"linuxkit/[x"}}), `verify.images[0]`},
		"offline signing": {verifyRaw(map[string]interface{}{"public_keys": []string{key}}, "pull", "never"), `verify: signatures are read from the registry, but pull = "never"`},
	} {
		t.Run(name, func(t *testing.T) {
			var c Config
			_, err := c.Prepare(tc.raw)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Prepare: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
