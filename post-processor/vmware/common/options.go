package common

import (
	"fmt"
	"os"
	"reflect"
	"strings"
)

// OptionNames lists the mapstructure names of t's fields, descending into
// squashed embedded structs, so the lists of each target's options are read
// from the configuration itself and never drift from it.
func OptionNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("mapstructure")
		name, opts, _ := strings.Cut(tag, ",")
		if opts == "squash" && f.Type.Kind() == reflect.Struct {
			for n := range OptionNames(f.Type) {
				names[n] = true
			}
			continue
		}
		if name != "" && name != "-" {
			names[name] = true
		}
	}
	return names
}

// KeySet turns config.Decode's metadata keys ("content_library.library",
// "vmx_data[foo]") into the set of top-level option names the user wrote.
func KeySet(keys []string) map[string]bool {
	set := make(map[string]bool, len(keys))
	for _, k := range keys {
		if i := strings.IndexAny(k, ".["); i >= 0 {
			k = k[:i]
		}
		set[k] = true
	}
	return set
}

// OneOf returns an error naming the option and the allowed values unless
// value is one of them.
func OneOf(option, value string, allowed ...string) error {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = fmt.Sprintf("%q", a)
	}
	return fmt.Errorf("%s %q is not one of %s", option, value, strings.Join(quoted, ", "))
}

// IsConfigKey reports whether s is a usable .vmx / extraConfig key: letters,
// digits, '_', '.', ':' and '-' ("scsi0:0.fileName", "guestinfo.a-b").
func IsConfigKey(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(isAlnum(r) || r == '_' || r == '.' || r == ':' || r == '-')
	}) < 0
}

// isAlnum reports whether r is an ASCII letter or digit.
func isAlnum(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

// CheckFile reports an error unless path names an existing file (not a
// folder), for the options that name one.
func CheckFile(option, path string) error {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", option, err)
	case fi.IsDir():
		return fmt.Errorf("%s: %q is a folder, not a file", option, path)
	}
	return nil
}

// BoolPtr returns a pointer to a copy of b, for the *bool options whose
// default is applied in Prepare.
func BoolPtr(b bool) *bool { return &b }

// BoolOr returns *p, or def when the option was never defaulted (nil).
func BoolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}
