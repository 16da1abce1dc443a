package desktop

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestWriteSortedQuotedEscaped(t *testing.T) {
	v := New()
	mustSet(t, v, "zeta", "last")
	mustSet(t, v, "displayName", `x"`+"|"+`y # z`)
	mustSet(t, v, "Alpha", "")
	mustSet(t, v, "guestOS", "other5xlinux-64")
	var b bytes.Buffer
	if _, err := v.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	want := `.encoding = "UTF-8"
Alpha = ""
displayName = "x|22|7Cy # z"
guestOS = "other5xlinux-64"
zeta = "last"
`
	if b.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

// A VM name crafted to close the quote and start a new key must fail, and
// even a value smuggled past Set (by Parse) is never written raw.
func TestWriteNeverInjects(t *testing.T) {
	v := New()
	name := "x\"\nfoo = \"bar"
	if err := v.Set("displayName", name); !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("Set = %v", err)
	}
	p, err := Parse(strings.NewReader(`displayName = "x|22|0Afoo = |22bar"` + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := p.Get("displayName"); got != name {
		t.Fatalf("parsed %q", got)
	}
	var b bytes.Buffer
	if _, err := p.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	back, err := Parse(&b)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := back.Get("foo"); ok || back.Len() != 1 {
		t.Fatalf("a key was injected: %q", back.Keys())
	}
	if got, _ := back.Get("displayName"); got != name {
		t.Fatalf("round trip gave %q", got)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lk.vmx")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	v := New()
	mustSet(t, v, "displayName", "lk")
	if err := v.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != ".encoding = \"UTF-8\"\ndisplayName = \"lk\"\n" {
		t.Fatalf("file = %q", got)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	if err := v.WriteFile(filepath.Join(dir, "missing", "x.vmx")); err == nil {
		t.Errorf("WriteFile into a missing folder succeeded")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteToReportsWriterErrors(t *testing.T) {
	v := New()
	mustSet(t, v, "a", "b")
	if _, err := v.WriteTo(failWriter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v", err)
	}
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}
