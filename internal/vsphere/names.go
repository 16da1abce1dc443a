package vsphere

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLength is the longest inventory name (VM, template, folder) vSphere accepts, in
// characters; content library items are held to the same length.
const MaxNameLength = 80

// ErrInvalidName means a name is not one vSphere accepts as it is; NameError says why.
var ErrInvalidName = errors.New("not a valid vSphere name")

// NameError explains why a VM, template, library item or folder name was refused before
// anything was created: vCenter would reject it late (after making the VM's datastore folder)
// or silently rename it (escaping '%', '/' and '\', trimming spaces).
type NameError struct {
	// Field is the option as the user writes it, e.g. "vm_name" or "folder".
	Field string
	// Value is the name as given.
	Value string
	// Reason says what is wrong, e.g. `'%' is not allowed`.
	Reason string
}

// Error renders `vm_name "lk%pct": '%' is not allowed (...)`; an over-long value is cut.
func (e *NameError) Error() string {
	v := e.Value
	if utf8.RuneCountInString(v) > 2*MaxNameLength {
		v = string([]rune(v)[:MaxNameLength]) + "…"
	}
	return fmt.Sprintf("%s %q: %s", e.Field, v, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidName) work.
func (e *NameError) Unwrap() error { return ErrInvalidName }

// ValidateName checks one inventory or library item name (vm_name, a template name,
// content_library.name) against what vSphere accepts unchanged: not empty, valid UTF-8, at
// most MaxNameLength characters, no control characters, no leading or trailing space, none
// of '%', '/' and '\' (vCenter stores them escaped, as %25, %2f and %5c, and the VM's
// datastore folder takes the escaped name), and not "." or "..", since the VM's datastore
// folder is named after it. field names the option in the error.
func ValidateName(field, value string) error {
	if reason := nameProblem(value, `%/\`); reason != "" {
		return &NameError{Field: field, Value: value, Reason: reason}
	}
	return nil
}

// ValidateFolder checks a VM folder path ("a/b", "/a/b", or "/DC0/vm/a/b") as the folder
// option takes it: each '/'-separated part is a name ValidateName would accept, except that
// a '%' may start the escapes %25, %2f and %5c, the way vSphere spells an existing folder
// whose name holds '%', '/' or '\'. Empty means the datacenter's VM folder and is accepted.
func ValidateFolder(field, value string) error {
	p := strings.Trim(value, "/") // as FindPlacement reads it
	if p == "" {
		return nil
	}
	for _, part := range strings.Split(p, "/") {
		reason := nameProblem(part, `\`)
		if reason == "" {
			reason = escapeProblem(part)
		}
		if reason != "" {
			return &NameError{Field: field, Value: value, Reason: fmt.Sprintf("folder %q: %s", part, reason)}
		}
	}
	return nil
}

// nameProblem returns why s is not an acceptable name, or "" when it is; forbidden lists the
// characters refused besides control characters.
func nameProblem(s, forbidden string) string {
	switch {
	case s == "":
		return "a name must not be empty"
	case !utf8.ValidString(s):
		return "not valid UTF-8"
	case utf8.RuneCountInString(s) > MaxNameLength:
		return fmt.Sprintf("longer than %d characters (%d): vSphere refuses longer names", MaxNameLength, utf8.RuneCountInString(s))
	case s == "." || s == "..":
		return "not allowed: the VM's datastore folder is named after it"
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return "leading or trailing space is not allowed: vCenter trims it, so the name would not match"
	}
	for _, r := range s {
		switch {
		case unicode.IsControl(r):
			return fmt.Sprintf("control character %U is not allowed", r)
		case strings.ContainsRune(forbidden, r):
			return fmt.Sprintf("%q is not allowed: vCenter stores it escaped (%%%02x), so the name would not match", r, r)
		}
	}
	return ""
}

// escapeProblem refuses a '%' in a folder path that does not start %25, %2f or %5c.
func escapeProblem(part string) string {
	for i := 0; i < len(part); i++ {
		if part[i] != '%' {
			continue
		}
		switch strings.ToLower(part[i:min(i+3, len(part))]) {
		case "%25", "%2f", "%5c":
		default:
			return `'%' is allowed only in the escapes %25, %2f and %5c (how vSphere spells '%', '/' and '\' in a folder name)`
		}
	}
	return ""
}
