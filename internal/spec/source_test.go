package spec

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSourcePath(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    File
		want string
	}{
		{File{Source: "/abs/x", BaseDir: "/elsewhere"}, "/abs/x"},
		{File{Source: "x/y", BaseDir: "/specs"}, "/specs/x/y"},
		{File{Source: "../y", BaseDir: "/specs/sub"}, "/specs/y"},
		{File{Source: "y", BaseDir: "rel"}, filepath.Join(cwd, "rel", "y")},
		{File{Source: "y"}, filepath.Join(cwd, "y")},
		{File{Source: "~/keys/id"}, filepath.Join(home, "keys", "id")},
		{File{}, ""},
	} {
		got := tc.f.SourcePath()
		if got != tc.want {
			t.Errorf("SourcePath(%q from %q) = %q, want %q", tc.f.Source, tc.f.BaseDir, got, tc.want)
		}
		if got != "" && !filepath.IsAbs(got) {
			t.Errorf("SourcePath(%q) = %q is not absolute", tc.f.Source, got)
		}
	}
}
