package vmdk

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestSubformatReadsWhatWriteWrote(t *testing.T) {
	dir := t.TempDir()
	for _, compressed := range []bool{false, true} {
		opts := Options{Compressed: compressed}
		path := filepath.Join(dir, opts.Subformat()+".vmdk")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := Write(f, bytes.NewReader(bytes.Repeat([]byte{7}, 70000)), 1<<20, opts); err != nil {
			t.Fatal(err)
		}
		f.Close()
		got, err := Subformat(path)
		if err != nil || got != opts.Subformat() {
			t.Errorf("Subformat(%s) = %q, %v; want %q", path, got, err, opts.Subformat())
		}
	}
	junk := filepath.Join(dir, "junk.vmdk")
	_ = os.WriteFile(junk, bytes.Repeat([]byte("x"), 600), 0o644)
	if _, err := Subformat(junk); err == nil {
		t.Error("Subformat accepted a file that is not a vmdk")
	}
}
