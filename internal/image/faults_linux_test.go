package image

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"
	"golang.org/x/sys/unix"
)

// mount mounts source on target (unmounted on cleanup). A test run as a
// user who may not mount is skipped under -short and fails otherwise.
func mount(t *testing.T, source, target, fstype string, flags uintptr, data string) {
	t.Helper()
	if err := unix.Mount(source, target, fstype, flags, data); err != nil {
		if errors.Is(err, unix.EPERM) && testing.Short() {
			t.Skipf("cannot mount %s on %s: %v", fstype, target, err)
		}
		t.Fatalf("mount %s %s on %s: %v", fstype, source, target, err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(target, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", target, err)
		}
	})
}

// readOnlyView bind-mounts dir read-only on a new folder and returns it.
// Root ignores file modes, so a read-only mount is what makes the cache
// read-only for this test, as it would be for any user.
func readOnlyView(t *testing.T, dir string) string {
	t.Helper()
	ro := t.TempDir()
	mount(t, dir, ro, "", unix.MS_BIND, "")
	if err := unix.Mount("", ro, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY, ""); err != nil {
		t.Fatalf("remount %s read-only: %v", ro, err)
	}
	if err := os.WriteFile(filepath.Join(ro, "probe"), nil, 0o644); !errors.Is(err, unix.EROFS) {
		t.Fatalf("the read-only view %s is writable: %v", ro, err)
	}
	return ro
}

func TestReadOnlyCacheServesPullNever(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	fx := fixtureIndex(t, 330)
	reg.pushIndex(t, "lk/app:v1", fx.idx)
	ref := reg.host + "/lk/app:v1"
	for _, lock := range []bool{true, false} {
		dir := t.TempDir()
		pullOne(t, newStore(t, dir, insecure(reg)), ref)
		if !lock {
			// A cache baked into an image by a tool that never wrote a lock.
			if err := os.Remove(filepath.Join(dir, lockFile)); err != nil {
				t.Fatal(err)
			}
		}
		ro := readOnlyView(t, dir)
		s := newStore(t, ro, func(o *Options) { insecure(reg)(o); o.Pull = PullNever })
		got, err := s.Pull(context.Background(), []string{ref})
		if err != nil {
			t.Fatalf("pull=never from a read-only cache (lock file: %v): %v", lock, err)
		}
		if got[ref].Ref != ref {
			t.Fatalf("pull=never from a read-only cache: %+v", got)
		}
		checkImage(t, s, ref, fx.amd64)
	}
}

func TestDiskFullIsACacheError(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	img, err := random.Image(1<<20, 1)
	if err != nil {
		t.Fatal(err)
	}
	reg.pushImage(t, "lk/big:v1", img)
	ref := reg.host + "/lk/big:v1"
	dir := t.TempDir()
	mount(t, "tmpfs", dir, "tmpfs", 0, "size=256k")
	n := &notices{}
	s := newStore(t, dir, func(o *Options) { insecure(reg)(o); o.Notice = n.add })
	_, err = s.Pull(context.Background(), []string{ref})
	if !errors.Is(err, ErrCache) || errors.Is(err, ErrUnreachable) || !errors.Is(err, unix.ENOSPC) {
		t.Fatalf("error = %v, want ErrCache wrapping ENOSPC, not ErrUnreachable", err)
	}
	for _, want := range []string{"cache error", dir, "no space left on device"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(n.text(), "retrying") {
		t.Fatalf("a full disk was retried: %s", n.text())
	}
	checkCacheSound(t, dir)
}
