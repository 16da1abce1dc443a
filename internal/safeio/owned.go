package safeio

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// OwnedMarker is the name of the file MarkOwned writes into every output
// folder the plugin makes. Its presence is how -force knows a folder is one
// the plugin wrote, so that it never replaces a folder the user filled. It is
// not an output: no artifact lists it and no checksum covers it.
const OwnedMarker = ".packer-linuxkit-output"

// ownedText is the marker's content: fixed, so output folders stay
// reproducible, and telling a person who finds it what it is for.
const ownedText = "This folder was made by packer-plugin-linuxkit. packer build -force may replace it.\n"

// MarkOwned writes OwnedMarker into the existing folder dir, atomically.
func MarkOwned(dir string) error {
	if err := WriteFile(filepath.Join(dir, OwnedMarker), func(f *os.File) error {
		_, err := f.WriteString(ownedText)
		return err
	}); err != nil {
		return fmt.Errorf("marking %s as a plugin output folder: %w", dir, err)
	}
	return nil
}

// MkdirOwned creates dir and its missing parents, then marks dir with
// OwnedMarker (MarkOwned), so that a later -force may replace it.
func MkdirOwned(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	return MarkOwned(dir)
}

// CheckOwned returns nil when replacing dir takes nothing the plugin did not
// write: dir does not exist, is an empty folder, or holds OwnedMarker. A
// folder holding anything else, or a path that is not a folder, is an error
// naming it and saying why.
func CheckOwned(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output_directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("output_directory %s is not a folder; -force will not remove it", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("output_directory %s: %w", dir, err)
	}
	if len(entries) == 0 {
		return nil
	}
	if m, err := os.Lstat(filepath.Join(dir, OwnedMarker)); err == nil && m.Mode().IsRegular() {
		return nil
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if len(names) > 3 {
		names = append(names[:3], "…")
	}
	return fmt.Errorf("output_directory %s holds files this plugin did not write (%s) and no %s marker; "+
		"-force will not remove it: empty or remove it yourself, or choose another output_directory",
		dir, strings.Join(names, ", "), OwnedMarker)
}

// CheckReplaceable is the whole -force guard: CheckRemovable (the root, the
// home and working directories and their ancestors, and the folders of keep,
// compared through symlinks) and then CheckOwned (nothing in dir that the
// plugin did not write). Every component calls it before it replaces a
// folder.
func CheckReplaceable(dir string, keep ...Keep) error {
	if err := CheckRemovable(dir, keep...); err != nil {
		return err
	}
	return CheckOwned(dir)
}
