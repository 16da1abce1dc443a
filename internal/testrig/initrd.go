package testrig

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TinyInitrd builds, with the host's find, sort, cpio and gzip, a tiny gzip'd newc initramfs
// holding only a static busybox and an /init script that mounts devtmpfs (so building it needs
// no device node and no root), prints marker on the console and powers off. It returns the
// file's path, in a directory the test removes. Boot tests of the media writers use it when
// they need a kernel+initrd pair that proves, by the marker alone, that the boot loader loaded
// both files: the marker is split in the script, so only running /init prints it whole.
// A missing tool or a dynamically linked busybox fails the test (skips it under -short).
func TinyInitrd(t testing.TB, marker string) string {
	t.Helper()
	return TinyInitrdWith(t, staticBusybox(t), marker)
}

// TinyInitrdWith is TinyInitrd around a given static busybox, such as the arm64 one of
// ARM64Parts for AAVMF boots.
func TinyInitrdWith(t testing.TB, busybox, marker string) string {
	t.Helper()
	Require(t, "cpio", "gzip", "find", "sort", "sh")
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	for _, d := range []string{"bin", "dev", "proc", "sys"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatalf("testrig: initrd tree: %v", err)
		}
	}
	data, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatalf("testrig: read busybox: %v", err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin", "busybox"), data, 0o755); err != nil {
		t.Fatalf("testrig: write busybox: %v", err)
	}
	half := len(marker) / 2
	init := "#!/bin/busybox sh\n" +
		"/bin/busybox mount -t devtmpfs devtmpfs /dev\n" +
		"exec </dev/console >/dev/console 2>&1\n" +
		"a='" + marker[:half] + "'; b='" + marker[half:] + "'\n" +
		"echo \"$a$b\"\n" +
		"/bin/busybox poweroff -f\n"
	if err := os.WriteFile(filepath.Join(root, "init"), []byte(init), 0o755); err != nil {
		t.Fatalf("testrig: write /init: %v", err)
	}
	out := filepath.Join(dir, "initrd.img")
	cmd := exec.Command("sh", "-c", "find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -n -9 > "+out)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testrig: building the initrd: %v\n%s", err, b)
	}
	return out
}
