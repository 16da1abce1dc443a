package image

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestListings: the store keeps a layer listing in listings/sha256/<hex>
// through the atomic writer, reads it back, removes it on nil, refuses a key
// that is not a sha256 digest, reads a listing it cannot use as a miss (with
// a log line), and keeps nothing when it may not write (pull = "never").
func TestListings(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	s, err := New(Options{CacheDir: dir, Logf: func(f string, a ...any) { fmt.Fprintf(&logs, f+"\n", a...) }})
	if err != nil {
		t.Fatal(err)
	}
	key := "sha256:" + strings.Repeat("ab", 32)
	if b, err := s.LoadIndex(key); b != nil || err != nil {
		t.Fatalf("empty cache: %q, %v", b, err)
	}
	if err := s.StoreIndex(key, []byte(`{"version":1}`)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "listings", "sha256", strings.Repeat("ab", 32))
	if b, err := os.ReadFile(path); err != nil || string(b) != `{"version":1}` {
		t.Fatalf("listing file: %q, %v", b, err)
	}
	if b, err := s.LoadIndex(key); string(b) != `{"version":1}` || err != nil {
		t.Fatalf("read back: %q, %v", b, err)
	}
	if err := s.StoreIndex(key, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("nil data left the listing: %v", err)
	}
	for _, bad := range []string{"sha256:../../x", "md5:" + strings.Repeat("a", 32), "nodigest"} {
		if _, err := s.LoadIndex(bad); err == nil {
			t.Errorf("LoadIndex(%q) took the key", bad)
		}
		if err := s.StoreIndex(bad, []byte("x")); err == nil {
			t.Errorf("StoreIndex(%q) took the key", bad)
		}
	}
	if err := os.MkdirAll(path, 0o755); err != nil { // not a regular file
		t.Fatal(err)
	}
	if b, err := s.LoadIndex(key); b != nil || err != nil {
		t.Fatalf("a folder in place of the listing: %q, %v; want a miss", b, err)
	}
	if !strings.Contains(logs.String(), "ignoring the listing of "+key) {
		t.Errorf("the unusable listing was not logged: %q", logs.String())
	}

	ro, err := New(Options{CacheDir: t.TempDir(), Pull: PullNever})
	if err != nil {
		t.Fatal(err)
	}
	if err := ro.StoreIndex(key, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := ro.StoreIndex(key, nil); err == nil || !strings.Contains(err.Error(), "remove "+filepath.Join(ro.CacheDir(), "listings", "sha256")) {
		t.Errorf("removing under pull = never: %v; want an error naming the file", err)
	}
	if _, err := os.Stat(filepath.Join(ro.CacheDir(), "listings")); !os.IsNotExist(err) {
		t.Errorf("a pull = never store wrote a listing: %v", err)
	}
}
