package rootfs

import (
	"errors"
	"path"
	"strings"
)

const (
	// maxPath is Linux's PATH_MAX; longer names or link targets are refused.
	maxPath = 4096
	// maxSymlinks is Linux's MAXSYMLINKS: the symlinks followed while
	// resolving one path.
	maxSymlinks = 40
)

var (
	errEscape  = errors.New(`path climbs out of the root ("..")`)
	errTooLong = errors.New("path longer than 4096 bytes")
	errNUL     = errors.New("path contains a NUL byte")
)

// splitClean turns a name from a tar header, the files section or the plan
// into its components below the root: leading slashes and "./" are dropped,
// "a/../b" becomes "b". A name that climbs out of the root is an error (not
// clamped: a layer that says "../etc/passwd" is broken or hostile). The root
// itself is an empty slice.
func splitClean(name string) ([]string, error) {
	if len(name) > maxPath {
		return nil, errTooLong
	}
	if strings.IndexByte(name, 0) >= 0 {
		return nil, errNUL
	}
	c := path.Clean(strings.TrimLeft(name, "/"))
	if c == ".." || strings.HasPrefix(c, "../") {
		return nil, errEscape
	}
	if c == "." || c == "/" || c == "" {
		return nil, nil
	}
	return strings.Split(strings.TrimLeft(c, "/"), "/"), nil
}

// validComponent reports whether s can be used as one path component.
func validComponent(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/\x00") && len(s) <= 255
}

// joinPath joins components into a root-relative path.
func joinPath(comps []string) string {
	return strings.Join(comps, "/")
}
