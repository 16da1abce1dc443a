package testrig

import (
	"os"
	"path/filepath"
	"testing"
)

// GuardTree is a throw-away directory tree for tests of the -force removal guard: a home, a
// working directory, an image cache, a spec folder and a foreign folder, all under Real, with
// Alias a symlink to Real so each of them can also be reached through a symlinked parent (as
// /tmp and /var are on macOS). NewGuardTree makes Home the test's $HOME and Cwd its working
// directory.
type GuardTree struct {
	Root    string // the test's temporary folder, holding Real and Alias
	Real    string // Root/real: every folder below lives here
	Alias   string // Root/alias, a symlink to Real
	Home    string // Real/home, set as $HOME
	Cwd     string // Real/work, the working directory, beside Home so each is refused for itself
	Cache   string // Real/cache, an image cache holding one blob
	SpecDir string // Real/specs, holding Spec
	Spec    string // Real/specs/a.yml, a spec file
	Foreign string // Real/foreign, a folder holding a file the plugin did not write

	files map[string]string // every file the tree holds → its content, for Untouched
}

// NewGuardTree builds the tree in t.TempDir(), sets $HOME to Home and changes the working
// directory to Cwd for the rest of the test.
func NewGuardTree(t testing.TB) *GuardTree {
	t.Helper()
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatalf("testrig: guard tree: %v", err)
	}
	real := filepath.Join(root, "real")
	g := &GuardTree{
		Root:    root,
		Real:    real,
		Alias:   filepath.Join(root, "alias"),
		Home:    filepath.Join(real, "home"),
		Cwd:     filepath.Join(real, "work"),
		Cache:   filepath.Join(real, "cache"),
		SpecDir: filepath.Join(real, "specs"),
		Spec:    filepath.Join(real, "specs", "a.yml"),
		Foreign: filepath.Join(real, "foreign"),
	}
	g.files = map[string]string{
		g.Spec:                                   "kernel:\n  image: linuxkit/kernel:6.12.59\n",
		filepath.Join(g.Cache, "index.json"):     "{}\n",
		filepath.Join(g.Foreign, "notes.txt"):    "the user's own file\n",
		filepath.Join(g.Home, ".profile"):        "# the user's profile\n",
		filepath.Join(g.Cwd, "build.pkr.hcl"):    "# the user's template\n",
		filepath.Join(g.Real, "sibling", "keep"): "a folder next to the others\n",
	}
	for path, content := range g.files {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("testrig: guard tree: %v", err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatalf("testrig: guard tree: %v", err)
		}
	}
	if err := os.Symlink(real, g.Alias); err != nil {
		t.Fatalf("testrig: guard tree: %v", err)
	}
	t.Setenv("HOME", g.Home)
	t.Chdir(g.Cwd)
	return g
}

// Via returns path (a path under Real) as reached through Alias, the symlinked parent.
func (g *GuardTree) Via(path string) string {
	rel, err := filepath.Rel(g.Real, path)
	if err != nil {
		return path
	}
	return filepath.Join(g.Alias, rel)
}

// Untouched fails the test when a file NewGuardTree wrote is gone or changed: what a guard test
// checks after every refused removal.
func (g *GuardTree) Untouched(t testing.TB) {
	t.Helper()
	for path, want := range g.files {
		if got, err := os.ReadFile(path); err != nil || string(got) != want {
			t.Errorf("the guard let %s go or change: %q, %v", path, got, err)
		}
	}
}
