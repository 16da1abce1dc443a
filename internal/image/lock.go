package image

import (
	"fmt"
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
type cacheLock struct {
	mu   sync.Mutex
	path string
	fl   *flock.Flock
}

// newCacheLock returns the lock for the cache in dir.
func newCacheLock(dir string) *cacheLock {
	p := filepath.Join(dir, lockFile)
	return &cacheLock{path: p, fl: flock.New(p, flock.SetPermissions(0o644))}
}

// do runs fn while holding every lock.
func (l *cacheLock) do(fn func() error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.fl.Lock(); err != nil {
		return fmt.Errorf("lock cache %s: %w", l.path, err)
	}
	defer func() { _ = l.fl.Unlock() }()
	unlock, err := posixLock(l.path)
	if err != nil {
		return fmt.Errorf("lock cache %s: %w", l.path, err)
	}
	defer unlock()
	return fn()
}
