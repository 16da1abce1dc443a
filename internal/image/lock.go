package image

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/gofrs/flock"
)

// lockFile is the lock linuxkit takes around every read and write of the
// cache's index.json (src/cmd/linuxkit/cache/const.go).
const lockFile = ".lock"

// cacheLock serializes access to index.json between goroutines, between
// Stores sharing a cache (flock(2) on <cache>/.lock, one open file per
// Store) and with linuxkit itself, which takes a POSIX (fcntl) write lock on
// the same file. Both kinds are taken: on Linux they do not see each other.
//
// A Store that never writes (pull policy never) reads under shared locks
// taken through a read-only open of the lock file, so a read-only cache
// (a CI image with a baked-in cache) serves it; when such a cache has no
// lock file at all, nothing can be writing it and reads take no lock.
type cacheLock struct {
	mu       sync.Mutex
	path     string
	readOnly bool
	fl       *flock.Flock // exclusive, opened read-write (created when missing)
	rfl      *flock.Flock // shared, opened read-only; used when readOnly
}

// newCacheLock returns the lock for the cache in dir; readOnly makes reads
// take shared locks through a read-only open.
func newCacheLock(dir string, readOnly bool) *cacheLock {
	p := filepath.Join(dir, lockFile)
	return &cacheLock{
		path:     p,
		readOnly: readOnly,
		fl:       flock.New(p, flock.SetPermissions(0o644)),
		rfl:      flock.New(p, flock.SetFlag(os.O_RDONLY)),
	}
}

// do runs fn while holding every lock exclusively.
func (l *cacheLock) do(fn func() error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.fl.Lock(); err != nil {
		return fmt.Errorf("lock cache %s: %w", l.path, err)
	}
	defer func() { _ = l.fl.Unlock() }()
	unlock, err := posixLock(l.path, false)
	if err != nil {
		return fmt.Errorf("lock cache %s: %w", l.path, err)
	}
	defer unlock()
	return fn()
}

// read runs fn, which only reads the cache, under the lock: exclusively
// as do, or, for a read-only lock, shared.
func (l *cacheLock) read(fn func() error) error {
	if !l.readOnly {
		return l.do(fn)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.rfl.RLock(); errors.Is(err, fs.ErrNotExist) {
		return fn()
	} else if err != nil {
		return fmt.Errorf("lock cache %s for reading: %w", l.path, err)
	}
	defer func() { _ = l.rfl.Unlock() }()
	unlock, err := posixLock(l.path, true)
	if err != nil {
		return fmt.Errorf("lock cache %s for reading: %w", l.path, err)
	}
	defer unlock()
	return fn()
}
