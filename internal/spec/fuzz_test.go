package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, that it fails only with an
// ErrorList, and that an accepted spec has a canonical form that parses back
// to the same canonical form. The derived functions must not panic either.
func FuzzParse(f *testing.F) {
	f.Add([]byte("kernel:\n  image: linuxkit/kernel:6.6\ninit: [linuxkit/init:v1]\n"))
	f.Add([]byte("services:\n  - name: a\n    image: b\n    capabilities: [all]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yml", data)
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %T is not a non-empty ErrorList: %v", err, err)
			}
			return
		}
		c1, err := s.Canonical()
		if err != nil {
			t.Fatalf("Canonical: %v", err)
		}
		s2, err := Parse("canonical.yml", c1)
		if err != nil {
			t.Fatalf("canonical form does not parse: %v\n%s", err, c1)
		}
		c2, err := s2.Canonical()
		if err != nil || !bytes.Equal(c1, c2) {
			t.Fatalf("canonical form not stable (%v):\n%s\n---\n%s", err, c1, c2)
		}
		_ = s.Images()
		if m, err := Merge(s, s2); err == nil {
			if _, err := m.Canonical(); err != nil {
				t.Fatalf("Canonical of merge: %v", err)
			}
		}
		ids := s.ContainerIDs()
		for _, sec := range s.sections() {
			for _, img := range sec.images {
				if r, err := s.ResolveVolumes(img); err == nil {
					img = r
				}
				if oci, rt, err := OCIConfig(img, ImageInfo{}, ids); err == nil {
					if _, err := ConfigJSON(oci); err != nil {
						t.Fatal(err)
					}
					if _, err := json.MarshalIndent(rt, "", "    "); err != nil {
						t.Fatal(err)
					}
					if BundleDir(sec.name, 0, img.Name) == "" {
						t.Fatal("empty bundle directory")
					}
				}
			}
		}
	})
}

// FuzzMerge checks that merging any two accepted specs never panics and
// that an accepted merge has a stable canonical form.
func FuzzMerge(f *testing.F) {
	f.Add([]byte("services:\n  - name: a\n    image: b\n"), []byte("services:\n  - name: a\n    image: c\nvolumes: [{name: v}]\n"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		sa, err := Parse("a.yml", a)
		if err != nil {
			return
		}
		sb, err := Parse("b.yml", b)
		if err != nil {
			return
		}
		m, err := Merge(sa, sb)
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %T is not a non-empty ErrorList: %v", err, err)
			}
			return
		}
		c1, err := m.Canonical()
		if err != nil {
			t.Fatalf("Canonical: %v", err)
		}
		again, err := Parse("merged.yml", c1)
		if err != nil {
			t.Fatalf("merged canonical form does not parse: %v\n%s", err, c1)
		}
		if _, err := Merge(again); err != nil {
			t.Fatalf("merged canonical form does not validate: %v\n%s", err, c1)
		}
		pinned := map[string]string{}
		for _, u := range m.Images() {
			pinned[u.Ref] = u.Ref + "@sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		}
		if _, err := m.Pin(pinned); err != nil && !hasAnyDigest(m) {
			t.Fatalf("Pin with every image: %v", err)
		}
	})
}

// hasAnyDigest reports whether some reference is already pinned (pinning a
// digest reference again is refused, which is fine).
func hasAnyDigest(s *Spec) bool {
	for _, u := range s.Images() {
		if hasDigest(u.Ref) {
			return true
		}
	}
	return false
}
