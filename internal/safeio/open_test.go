package safeio

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "a.yml")
	if err := os.WriteFile(file, []byte("kernel: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.yml")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		fifo:        "named pipe",
		"/dev/zero": "character device",
		dir:         "directory",
	} {
		_, err := ReadRegular(path, "spec file", 1<<20)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "spec file "+path) {
			t.Errorf("ReadRegular(%s) = %v, want an error naming the file and %q", path, err, want)
		}
	}
	for _, p := range []string{file, link} {
		if b, err := ReadRegular(p, "spec file", 1<<20); err != nil || string(b) != "kernel: {}\n" {
			t.Errorf("ReadRegular(%s) = %q, %v", p, b, err)
		}
	}
	if _, err := ReadRegular(file, "spec file", 4); err == nil || !strings.Contains(err.Error(), "larger than 4 bytes") {
		t.Errorf("size bound: %v", err)
	}
}
