package spec

import (
	"strings"
	"testing"
)

// TestMergeKeepsTrust: the trust section of every file survives a merge, each entry once, so
// the builder's verify block can map it.
func TestMergeKeepsTrust(t *testing.T) {
	a, err := Parse("a.yml", []byte("kernel:\n  image: linuxkit/kernel:6.6\ninit:\n  - linuxkit/init:v1\ntrust:\n  org:\n    - linuxkit\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse("b.yml", []byte("trust:\n  org:\n    - linuxkit\n  image:\n    - library/nginx:1.27\n"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if m.Trust == nil || strings.Join(m.Trust.Org, ",") != "linuxkit" || strings.Join(m.Trust.Image, ",") != "library/nginx:1.27" {
		t.Errorf("merged trust = %+v", m.Trust)
	}
	if c, _ := m.Canonical(); strings.Contains(string(c), "trust") {
		t.Errorf("the canonical form (and so the digest) must not change with trust:\n%s", c)
	}
}
