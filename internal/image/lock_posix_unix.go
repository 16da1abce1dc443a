//go:build unix

package image

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// posixLock takes the fcntl lock linuxkit uses (util.Lock), blocking until
// it is free, and returns its release: a write lock, or with shared a read
// lock through a read-only open (which a read-only cache allows). POSIX
// locks belong to the process, so callers must already exclude each other
// in-process (cacheLock does, with its flock held first).
func posixLock(path string, shared bool) (func(), error) {
	flag, typ := os.O_RDWR|os.O_CREATE, int16(unix.F_WRLCK)
	if shared {
		flag, typ = os.O_RDONLY, unix.F_RDLCK
	}
	f, err := os.OpenFile(path, flag, 0o644)
	if err != nil {
		return nil, err
	}
	lk := unix.Flock_t{Type: typ, Whence: int16(io.SeekStart)}
	for {
		err = unix.FcntlFlock(f.Fd(), unix.F_SETLKW, &lk)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		un := unix.Flock_t{Type: unix.F_UNLCK, Whence: int16(io.SeekStart)}
		_ = unix.FcntlFlock(f.Fd(), unix.F_SETLK, &un)
		_ = f.Close()
	}, nil
}
