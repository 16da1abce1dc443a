package linuxkit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// TestRunForceGuard is the removal guard's table at the builder: with -force,
// an output_directory that is the working directory, an ancestor of it, the
// home directory through a symlinked parent, the spec file's folder or a
// folder of the user's own files is refused, naming why, and nothing in the
// tree is removed. An empty folder and an earlier build's folder are
// replaced; without -force an existing folder is an error.
func TestRunForceGuard(t *testing.T) {
	r := newRunRig(t)
	g := testrig.NewGuardTree(t)
	spec := filepath.Join(g.SpecDir, "tiny.yml")
	if err := os.WriteFile(spec, []byte(r.spec), 0o644); err != nil {
		t.Fatal(err)
	}
	force := func(dir string) map[string]interface{} {
		return r.raw("", []string{FormatTar}, map[string]interface{}{
			"packer_force": true, "output_directory": dir, "spec": "", "spec_files": []string{spec},
		})
	}
	for _, tc := range []struct{ dir, want string }{
		{".", "holds the working directory"},
		{g.Alias, "holds the working directory"},
		{g.Via(g.Home), "holds your home directory"},
		{g.Via(g.SpecDir), "holds the spec file"},
		{g.Foreign, "holds files this plugin did not write (notes.txt)"},
	} {
		var log uiLog
		a, err := r.build(context.Background(), t, log.ui(), force(tc.dir))
		if err == nil || a != nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("-force into %s: %v, %v; want an error containing %q", tc.dir, a, err, tc.want)
		}
		if strings.Contains(log.String(), "Deleting the previous output directory") {
			t.Errorf("-force into %s started deleting it:\n%s", tc.dir, log.String())
		}
	}
	g.Untouched(t)

	empty := filepath.Join(g.Real, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	earlier := filepath.Join(g.Cwd, "output-tiny")
	for _, dir := range []string{empty, earlier, earlier} {
		var log uiLog
		a, err := r.build(context.Background(), t, log.ui(), force(dir))
		if err != nil {
			t.Fatalf("-force into %s: %v\n%s", dir, err, log.String())
		}
		if _, err := os.Stat(filepath.Join(a.(*Artifact).Dir, safeio.OwnedMarker)); err != nil {
			t.Errorf("the output directory %s has no ownership marker: %v", dir, err)
		}
	}
	var log uiLog
	if a, err := r.build(context.Background(), t, log.ui(), r.raw("", []string{FormatTar}, map[string]interface{}{"output_directory": earlier})); err == nil || a != nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("a build into an existing folder without -force: %v, %v", a, err)
	}
}
