package safeio

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Keep names one path that removing a folder must not take, and what it is,
// for the error: a spec file, the image cache, the builder's artifact file.
type Keep struct {
	// Path is a file or folder; relative paths resolve from the working directory.
	Path string
	// What names it in the error, e.g. "the spec file" or "the builder's file".
	What string
}

// CheckRemovable returns an error when removing dir (what Packer's -force
// does to an output folder) would take something the user keeps: the file
// system root, the working directory or the home directory or any folder
// above them, or a folder holding one of keep. Every path is compared after
// its symlinks are resolved, so a folder reached through a symlinked parent
// is recognised. CheckReplaceable adds the ownership check to it: callers
// that replace a folder call CheckReplaceable.
func CheckRemovable(dir string, keep ...Keep) error {
	target, err := resolve(dir)
	if err != nil {
		return fmt.Errorf("output_directory %s: %w", dir, err)
	}
	if target == filepath.Dir(target) {
		return fmt.Errorf("output_directory %s is the file system root; -force will not remove it", dir)
	}
	if wd, err := os.Getwd(); err == nil {
		if p, err := resolve(wd); err == nil && Within(p, target) {
			return fmt.Errorf("output_directory %s holds the working directory %s; -force will not remove it", dir, wd)
		}
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		if p, err := resolve(home); err == nil && Within(p, target) {
			return fmt.Errorf("output_directory %s holds your home directory %s; -force will not remove it", dir, home)
		}
	}
	for _, k := range keep {
		if k.Path == "" {
			continue
		}
		p, err := resolve(k.Path)
		if err != nil {
			continue
		}
		if Within(p, target) {
			return fmt.Errorf("output_directory %s holds %s %s; -force will not remove it: give the output a folder of its own", dir, k.What, k.Path)
		}
	}
	return nil
}

// Within reports whether path is dir or lies under it, compared lexically:
// resolve symlinks first when they matter.
func Within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// resolve makes p absolute and resolves the symlinks of its longest existing
// prefix; the missing rest is appended as written.
func resolve(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rest := ""
	for cur := abs; ; {
		real, err := filepath.EvalSymlinks(cur)
		if err == nil {
			return filepath.Join(real, rest), nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}
