package spec

import (
	"path"
	"strings"
	"testing"
)

// FuzzCheckFilePath checks the files[].path rule against an independent
// statement of it: a path is accepted exactly when it is at most 4096 bytes,
// has no NUL, names something strictly inside the root once joined to it,
// and no component of it is over 255 bytes. A refusal always says why.
func FuzzCheckFilePath(f *testing.F) {
	for _, s := range []string{
		"etc/hosts", "/etc/hosts", "../../etc/x", "a/../../b", "/", ".", "", "a\x00b", "//a//b/",
		"a/./b/..", "..", "./..", strings.Repeat("x", 256), strings.Repeat("a/", 2049),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		err := checkFilePath(p)
		const root = "/fuzz-root"
		joined := path.Join(root, p)
		inside := strings.HasPrefix(joined, root+"/")
		want := len(p) <= 4096 && !strings.Contains(p, "\x00") && inside
		if inside {
			for _, c := range strings.Split(strings.TrimPrefix(joined, root+"/"), "/") {
				if len(c) > 255 {
					want = false
				}
			}
		}
		switch {
		case err == nil && !want:
			t.Fatalf("checkFilePath(%q) accepted a path that joins to %q", p, joined)
		case err != nil && want:
			t.Fatalf("checkFilePath(%q) refused a path that joins to %q: %v", p, joined, err)
		case err != nil && err.Error() == "":
			t.Fatalf("checkFilePath(%q) refused it without saying why", p)
		}
	})
}
