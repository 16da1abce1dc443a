package rootfs

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/spec"
)

// ociGoldenDir holds internal/spec's OCIConfig cases with linuxkit's own
// config.json and runtime.json for each (see cases.yml there).
const ociGoldenDir = "../spec/testdata/oci"

// TestRuntimeJSONMatchesLinuxkit builds runtime.json the way a build does
// (spec.OCIConfig, json.Marshal, then the rootfs mounts prepended here) and
// compares it byte for byte with linuxkit's output, rootfs mounts included.
func TestRuntimeJSONMatchesLinuxkit(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(ociGoldenDir, "cases.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name   string `yaml:"name"`
		Entry  string `yaml:"entry"`
		Config struct {
			Env        []string          `yaml:"Env"`
			Cmd        []string          `yaml:"Cmd"`
			Entrypoint []string          `yaml:"Entrypoint"`
			WorkingDir string            `yaml:"WorkingDir"`
			Labels     map[string]string `yaml:"Labels"`
		} `yaml:"config"`
		IDs    map[string]uint32 `yaml:"ids"`
		Bundle struct {
			Dir        string `yaml:"dir"`
			SharedRoot string `yaml:"sharedRoot"`
		} `yaml:"bundle"`
	}
	if err := yaml.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 8 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			lines := strings.Split(strings.TrimRight(c.Entry, "\n"), "\n")
			for i := range lines {
				lines[i] = "    " + lines[i]
			}
			s, err := spec.Parse("entry.yml", []byte("services:\n  -\n"+strings.Join(lines, "\n")+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			info := spec.ImageInfo{Env: c.Config.Env, Cmd: c.Config.Cmd, Entrypoint: c.Config.Entrypoint, WorkingDir: c.Config.WorkingDir, Labels: c.Config.Labels}
			oci, rt, err := spec.OCIConfig(s.Services[0], info, spec.IDMap(c.IDs))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := json.Marshal(rt)
			if err != nil {
				t.Fatal(err)
			}
			readonly := oci.Root != nil && oci.Root.Readonly
			root, dup := c.Bundle.SharedRoot, true
			if root == "" {
				root, dup = path.Join(c.Bundle.Dir, "lower"), false
				if readonly {
					root = path.Join(c.Bundle.Dir, "rootfs")
				}
			}
			mounts, _ := rootfsMounts(c.Bundle.Dir, root, readonly, dup)
			got, err := withMounts(raw, mounts)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join(ociGoldenDir, c.Name+".runtime.json")
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("%s differs from linuxkit's output:\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}
