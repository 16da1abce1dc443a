package linuxkit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

func TestExecutePinsEveryImage(t *testing.T) {
	reg := testrig.StartRegistry(t)
	fx := testrig.PushFixtures(t, reg)
	dir := t.TempDir()
	specPath := filepath.Join(dir, "a.yml")
	spec := "kernel:\n  image: " + fx.Kernel + "\n  cmdline: console=ttyS0\ninit:\n  - " + fx.Init +
		"\nonboot:\n  - name: hello\n    image: " + fx.Service + "\nservices:\n  - name: web\n    image: " + fx.Service + "\n"
	if err := os.WriteFile(specPath, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	d := &Datasource{}
	err := d.Configure(map[string]interface{}{
		"spec_files":          []string{specPath},
		"cache_dir":           filepath.Join(dir, "cache"),
		"insecure_registries": []string{reg.Host},
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := d.Execute()
	if err != nil {
		t.Fatal(err)
	}
	m := v.AsValueMap()
	digest := m["digest"].AsString()
	if !strings.HasPrefix(digest, "sha256:") || len(digest) != 71 {
		t.Errorf("digest = %q", digest)
	}
	wantKernel := strings.TrimSuffix(fx.Kernel, ":test") + "@" + fx.Digests[fx.Kernel]
	if k := m["kernel"].AsString(); k != wantKernel {
		t.Errorf("kernel = %q, want %q", k, wantKernel)
	}
	images := m["images"].AsValueMap()
	for _, key := range []string{"kernel", "init/0", "onboot/000-hello", "services/web"} {
		if ref, ok := images[key]; !ok || !strings.Contains(ref.AsString(), "@sha256:") {
			t.Errorf("images[%s] = %v", key, ref)
		}
	}
	yaml := m["yaml"].AsString()
	if strings.Count(yaml, "@sha256:") != 4 {
		t.Errorf("pinned yaml:\n%s", yaml)
	}

	// The same spec resolves to the same digest, even offline from the cache.
	reg.Close()
	d2 := &Datasource{}
	if err := d2.Configure(map[string]interface{}{
		"spec_files": []string{specPath}, "cache_dir": filepath.Join(dir, "cache"), "pull": "never",
	}); err != nil {
		t.Fatal(err)
	}
	v2, err := d2.Execute()
	if err != nil {
		t.Fatal(err)
	}
	if got := v2.AsValueMap()["digest"].AsString(); got != digest {
		t.Errorf("offline digest %s, want %s", got, digest)
	}
}

func TestConfigureRejectsBadInput(t *testing.T) {
	for name, raw := range map[string]map[string]interface{}{
		"no spec":   {},
		"bad pull":  {"spec": "kernel:\n  image: x\n", "pull": "sometimes"},
		"bad arch":  {"spec": "kernel:\n  image: x\n", "arch": "s390x"},
		"bad spec":  {"spec": "kernel:\n  image: x\nfrobnicate: 1\n"},
		"no kernel": {"spec": "kernel:\n  cmdline: x\n"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := (&Datasource{}).Configure(raw); err == nil {
				t.Errorf("Configure(%v) accepted bad input", raw)
			}
		})
	}
	if err := (&Datasource{}).Configure(map[string]interface{}{"spec": "<unknown>"}); err != nil {
		t.Errorf("an unknown spec during validate must be accepted: %v", err)
	}
}
