//go:build unix

package image

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestMain turns the test binary into a lock probe when
// IMAGE_LOCK_PROBE is set (see probeLock).
func TestMain(m *testing.M) {
	if path := os.Getenv("IMAGE_LOCK_PROBE"); path != "" {
		fmt.Println(lockProbe(path))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// lockProbe tries, without waiting, the two locks another process could
// take on the cache (linuxkit's fcntl lock and a flock) and says which are
// free.
func lockProbe(path string) string {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return "open-error " + err.Error()
	}
	defer f.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: int16(io.SeekStart)}
	fcntl := "fcntl-free"
	if err := unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk); err != nil {
		fcntl = "fcntl-busy"
	}
	fl := "flock-free"
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		fl = "flock-busy"
	}
	return fcntl + " " + fl
}

// probeLock runs this test binary as a probe of the cache lock in dir.
func probeLock(t *testing.T, dir string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "IMAGE_LOCK_PROBE="+filepath.Join(dir, lockFile))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("lock probe: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "fcntl-") {
			return strings.TrimSpace(line)
		}
	}
	t.Fatalf("lock probe printed no result:\n%s", out)
	return ""
}

func TestLockExcludesOtherProcesses(t *testing.T) {
	dir := t.TempDir()
	c, err := openCache(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := probeLock(t, dir); got != "fcntl-free flock-free" {
		t.Fatalf("unlocked cache probes as %q", got)
	}
	var held string
	if err := c.lock.do(func() error { held = probeLock(t, dir); return nil }); err != nil {
		t.Fatal(err)
	}
	if held != "fcntl-busy flock-busy" {
		t.Fatalf("while index.json is locked another process sees %q, want both locks busy", held)
	}
	if got := probeLock(t, dir); got != "fcntl-free flock-free" {
		t.Fatalf("after unlock the cache probes as %q", got)
	}
}
