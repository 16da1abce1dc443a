package fat

import (
	"fmt"
	"strings"
)

// shortName turns one path component into its 11-byte 8.3 directory name (base padded to 8,
// extension to 3, upper case). Names that do not fit 8.3 are an error: this writer stores no
// long file names.
func shortName(component string) ([11]byte, error) {
	var out [11]byte
	if component == "" || component == "." || component == ".." {
		return out, fmt.Errorf("invalid path component %q", component)
	}
	up := strings.ToUpper(component)
	base, ext, found := strings.Cut(up, ".")
	if found && strings.Contains(ext, ".") {
		return out, fmt.Errorf("%q has more than one dot: not an 8.3 name", component)
	}
	if len(base) == 0 || len(base) > 8 || len(ext) > 3 || (found && ext == "") {
		return out, fmt.Errorf("%q is not an 8.3 name (1-8 characters, then optionally a dot and 1-3)", component)
	}
	for i := 0; i < len(up); i++ {
		if up[i] != '.' && !shortNameChar(up[i]) {
			return out, fmt.Errorf("%q holds %q, which 8.3 names do not allow", component, up[i])
		}
	}
	copy(out[:], fmt.Sprintf("%-8s%-3s", base, ext))
	if out[0] == 0xe5 {
		out[0] = 0x05 // a first byte of 0xE5 marks a deleted entry; FAT stores it as 0x05
	}
	return out, nil
}

// shortNameChar reports whether c may appear in an 8.3 name (upper case ASCII only).
func shortNameChar(c byte) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'()-@^_`{}~", c) >= 0
}

// volumeLabel returns the 11-byte label field: the label in upper case, space padded, or
// "NO NAME" when empty.
func volumeLabel(label string) ([11]byte, error) {
	var out [11]byte
	if label == "" {
		label = "NO NAME"
	}
	up := strings.ToUpper(label)
	if len(up) > 11 {
		return out, fmt.Errorf("fat: volume label %q is longer than 11 characters", label)
	}
	for i := 0; i < len(up); i++ {
		if up[i] != ' ' && !shortNameChar(up[i]) {
			return out, fmt.Errorf("fat: volume label %q holds %q, which labels do not allow", label, up[i])
		}
	}
	copy(out[:], fmt.Sprintf("%-11s", up))
	return out, nil
}
