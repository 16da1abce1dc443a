//go:build !unix

package image

// posixLock is a no-op where POSIX record locks do not exist; the flock
// taken by cacheLock is the only cross-process lock there.
func posixLock(string, bool) (func(), error) { return func() {}, nil }
