package testrig

import (
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// OCICase is one entry of internal/spec/testdata/oci/cases.yml: a services entry, the image
// config and id map it is resolved with, and the bundle layout, for which the same directory
// holds linuxkit's own <Name>.config.json and <Name>.runtime.json. internal/spec compares
// config.json with them and internal/rootfs compares runtime.json, so both read the cases
// through this one type (testrig imports neither package).
type OCICase struct {
	Name   string `yaml:"name"`
	Entry  string `yaml:"entry"` // one services entry, written as a mapping on its own
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

// OCICases reads the cases file at path, failing the test if it cannot be read or parsed.
func OCICases(t testing.TB, path string) []OCICase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("testrig: OCI cases: %v", err)
	}
	var cases []OCICase
	if err := yaml.Unmarshal(data, &cases); err != nil {
		t.Fatalf("testrig: OCI cases %s: %v", path, err)
	}
	return cases
}

// ServiceSpec returns a LinuxKit spec document whose only section is services, holding entry
// (one services entry written as a mapping on its own, as OCICase.Entry is) as its one item.
func ServiceSpec(entry string) string {
	lines := strings.Split(strings.TrimRight(entry, "\n"), "\n")
	for i := range lines {
		lines[i] = "    " + lines[i]
	}
	return "services:\n  -\n" + strings.Join(lines, "\n") + "\n"
}
