package rootfs

import (
	"os"
	"path"
	"path/filepath"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/spec"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// ociGoldenDir holds internal/spec's OCIConfig cases with linuxkit's own
// config.json and runtime.json for each (see cases.yml there).
const ociGoldenDir = "../spec/testdata/oci"

// TestRuntimeJSONMatchesLinuxkit builds runtime.json the way a build does
// (spec.OCIConfig, then the typed runtime written once with the rootfs mounts
// of this package first) and compares it byte for byte with linuxkit's
// output, rootfs mounts included.
func TestRuntimeJSONMatchesLinuxkit(t *testing.T) {
	cases := testrig.OCICases(t, filepath.Join(ociGoldenDir, "cases.yml"))
	if len(cases) < 8 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			s, err := spec.Parse("entry.yml", []byte(testrig.ServiceSpec(c.Entry)))
			if err != nil {
				t.Fatal(err)
			}
			info := spec.ImageInfo{Env: c.Config.Env, Cmd: c.Config.Cmd, Entrypoint: c.Config.Entrypoint, WorkingDir: c.Config.WorkingDir, Labels: c.Config.Labels}
			oci, rt, err := spec.OCIConfig(s.Services[0], info, spec.IDMap(c.IDs))
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
			got, err := runtimeJSON(rt, mounts)
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
