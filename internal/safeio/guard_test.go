package safeio

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// guardKeep is what the builder protects: its spec file and the image cache.
func guardKeep(g *testrig.GuardTree) []Keep {
	return []Keep{{Path: g.Spec, What: "the spec file"}, {Path: g.Cache, What: "the image cache"}}
}

func TestCheckRemovable(t *testing.T) {
	g := testrig.NewGuardTree(t)
	keep := guardKeep(g)
	for _, tc := range []struct {
		dir, want string
	}{
		{"/", "root"},
		{g.Cwd, "working directory"},
		{".", "working directory"},
		{g.Real, "working directory"},
		{g.Via(g.Cwd), "working directory"},
		{g.Home, "home directory"},
		{g.Via(g.Home), "home directory"},
		{g.Cache, "the image cache"},
		{g.Via(g.Cache), "the image cache"},
		{g.SpecDir, "the spec file"},
		{g.Via(g.SpecDir), "the spec file"},
	} {
		err := CheckRemovable(tc.dir, keep...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckRemovable(%q) = %v, want an error naming %q", tc.dir, err, tc.want)
		}
	}
	for _, ok := range []string{filepath.Join(g.Real, "out"), g.Via(filepath.Join(g.Real, "out")), filepath.Join(g.Cwd, "output-x"), "output-x", filepath.Join(g.Root, "missing", "deeper")} {
		if err := CheckRemovable(ok, keep...); err != nil {
			t.Errorf("CheckRemovable(%q) = %v, want nil", ok, err)
		}
	}
}

// TestCheckReplaceable is the -force guard's table (issue items 1-2): every
// folder a user keeps is refused, also through a symlinked parent or a
// symlink to it, and nothing of the tree is removed; missing, empty and
// plugin-marked folders may be replaced.
func TestCheckReplaceable(t *testing.T) {
	g := testrig.NewGuardTree(t)
	keep := guardKeep(g)
	homeLink := filepath.Join(g.Root, "home-link")
	if err := os.Symlink(g.Home, homeLink); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir, want string
	}{
		{"root", "/", "file system root"},
		{"cwd", g.Cwd, "holds the working directory"},
		{"cwd relative", ".", "holds the working directory"},
		{"cwd via alias", g.Via(g.Cwd), "holds the working directory"},
		{"ancestor", g.Real, "holds the working directory"},
		{"ancestor via alias", g.Alias, "holds the working directory"},
		{"ancestor of ancestor", g.Root, "holds the working directory"},
		{"home", g.Home, "holds your home directory"},
		{"home via alias", g.Via(g.Home), "holds your home directory"},
		{"symlink to home", homeLink, "holds your home directory"},
		{"home as $HOME/.", filepath.Join(g.Home, "."), "holds your home directory"},
		{"cache", g.Cache, "holds the image cache"},
		{"cache via alias", g.Via(g.Cache), "holds the image cache"},
		{"spec dir", g.SpecDir, "holds the spec file"},
		{"spec dir via alias", g.Via(g.SpecDir), "holds the spec file"},
		{"foreign", g.Foreign, "holds files this plugin did not write (notes.txt)"},
		{"foreign via alias", g.Via(g.Foreign), "holds files this plugin did not write"},
		{"foreign sibling", filepath.Join(g.Real, "sibling"), "no " + OwnedMarker + " marker"},
		{"a file", filepath.Join(g.Foreign, "notes.txt"), "is not a folder"},
	} {
		err := CheckReplaceable(tc.dir, keep...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.dir) {
			t.Errorf("%s: CheckReplaceable(%q) = %v, want an error naming the folder and %q", tc.name, tc.dir, err, tc.want)
		}
	}
	g.Untouched(t)

	empty := filepath.Join(g.Real, "empty")
	ours := filepath.Join(g.Real, "ours")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := MkdirOwned(ours); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ours, "lk.iso"), []byte("an earlier build"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, ok := range []string{empty, g.Via(empty), ours, g.Via(ours), filepath.Join(g.Real, "missing"), filepath.Join(g.Cwd, "output-x"), "output-x"} {
		if err := CheckReplaceable(ok, keep...); err != nil {
			t.Errorf("CheckReplaceable(%q) = %v, want nil", ok, err)
		}
	}
}

// The marker is a fixed regular file: a symlink or a folder of that name does
// not make a folder ours, and two marked folders hold identical bytes.
func TestMarkOwned(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b", "c")
	for _, d := range []string{a, b} {
		if err := MkdirOwned(d); err != nil {
			t.Fatal(err)
		}
		if err := CheckOwned(d); err != nil {
			t.Errorf("CheckOwned(%s) after MkdirOwned: %v", d, err)
		}
	}
	x, _ := os.ReadFile(filepath.Join(a, OwnedMarker))
	y, _ := os.ReadFile(filepath.Join(b, OwnedMarker))
	if len(x) == 0 || string(x) != string(y) {
		t.Errorf("markers differ or are empty: %q %q", x, y)
	}
	if entries, _ := os.ReadDir(a); len(entries) != 1 {
		t.Errorf("MkdirOwned left %d entries, want only the marker: %v", len(entries), entries)
	}
	fake := filepath.Join(dir, "fake")
	if err := os.MkdirAll(filepath.Join(fake, OwnedMarker), 0o755); err != nil {
		t.Fatal(err)
	}
	linked := filepath.Join(dir, "linked")
	if err := os.Mkdir(linked, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(a, OwnedMarker), filepath.Join(linked, OwnedMarker)); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{fake, linked} {
		if err := CheckOwned(d); err == nil || !strings.Contains(err.Error(), "did not write") {
			t.Errorf("CheckOwned(%s) = %v, want it refused", d, err)
		}
	}
}
