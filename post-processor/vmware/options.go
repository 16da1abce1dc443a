package vmware

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// desktopOptions and vsphereOptions are the option names that belong to one
// kind of target, read from the struct tags so they can never drift from the
// configuration itself. Options declared on Config serve every target.
var (
	desktopOptions = optionNames(reflect.TypeOf(DesktopConfig{}))
	vsphereOptions = optionNames(reflect.TypeOf(VSphereConfig{}))
)

// optionNames lists the mapstructure names of t's fields, descending into
// squashed embedded structs.
func optionNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("mapstructure")
		name, opts, _ := strings.Cut(tag, ",")
		if opts == "squash" && f.Type.Kind() == reflect.Struct {
			for n := range optionNames(f.Type) {
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

// keySet turns config.Decode's metadata keys ("content_library.library",
// "vmx_data[foo]") into the set of top-level option names the user wrote.
func keySet(keys []string) map[string]bool {
	set := make(map[string]bool, len(keys))
	for _, k := range keys {
		if i := strings.IndexAny(k, ".["); i >= 0 {
			k = k[:i]
		}
		set[k] = true
	}
	return set
}

// checkTargetOptions returns one error, in name order, for each option the
// user set that belongs to the other kind of target.
func checkTargetOptions(target string, set map[string]bool) []error {
	foreign, owner := vsphereOptions, `target "vsphere"`
	if target == TargetVSphere {
		foreign, owner = desktopOptions, `the desktop targets ("fusion", "workstation")`
	}
	var names []string
	for name := range set {
		if foreign[name] {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var errs []error
	for _, name := range names {
		hint := ""
		if name == "overwrite" {
			hint = "; on a desktop target Packer's -force replaces output_directory"
		}
		errs = append(errs, fmt.Errorf("%s is an option of %s only; remove it, or change target %q%s", name, owner, target, hint))
	}
	return errs
}

// oneOf returns an error naming the option and the allowed values unless
// value is one of them.
func oneOf(option, value string, allowed ...string) error {
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

// isIdentifier reports whether s is made of letters, digits, '_' and '-'
// only (guest OS ids).
func isIdentifier(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(isAlnum(r) || r == '_' || r == '-')
	}) < 0
}

// isConfigKey reports whether s is a usable .vmx / extraConfig key: letters,
// digits, '_', '.', ':' and '-' ("scsi0:0.fileName", "guestinfo.a-b").
func isConfigKey(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(isAlnum(r) || r == '_' || r == '.' || r == ':' || r == '-')
	}) < 0
}

// isAlnum reports whether r is an ASCII letter or digit.
func isAlnum(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

// boolPtr returns a pointer to a copy of b, for the *bool options whose
// default is applied in Prepare.
func boolPtr(b bool) *bool { return &b }
