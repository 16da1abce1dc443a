package safeio

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckRemovable(t *testing.T) {
	root := t.TempDir()
	real := filepath.Join(root, "real")
	home := filepath.Join(real, "home")
	cwd := filepath.Join(real, "cwd")
	cache := filepath.Join(real, "cache")
	specDir := filepath.Join(real, "specs")
	for _, d := range []string{home, cwd, cache, specDir, filepath.Join(real, "out")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	spec := filepath.Join(specDir, "a.yml")
	if err := os.WriteFile(spec, []byte("kernel: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	alias := filepath.Join(root, "alias")
	if err := os.Symlink(real, alias); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Chdir(cwd)
	keep := []Keep{{Path: spec, What: "the spec file"}, {Path: cache, What: "the image cache"}}

	for _, tc := range []struct {
		dir, want string
	}{
		{"/", "root"},
		{cwd, "working directory"},
		{".", "working directory"},
		{real, "working directory"},
		{filepath.Join(alias, "cwd"), "working directory"},
		{home, "home directory"},
		{filepath.Join(alias, "home"), "home directory"},
		{cache, "the image cache"},
		{filepath.Join(alias, "cache"), "the image cache"},
		{specDir, "the spec file"},
		{filepath.Join(alias, "specs"), "the spec file"},
	} {
		err := CheckRemovable(tc.dir, keep...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckRemovable(%q) = %v, want an error naming %q", tc.dir, err, tc.want)
		}
	}
	for _, ok := range []string{filepath.Join(real, "out"), filepath.Join(alias, "out"), filepath.Join(cwd, "output-x"), "output-x", filepath.Join(root, "missing", "deeper")} {
		if err := CheckRemovable(ok, keep...); err != nil {
			t.Errorf("CheckRemovable(%q) = %v, want nil", ok, err)
		}
	}
}
