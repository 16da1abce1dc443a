package desktop

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// EncodingKey is the VMX key that names the file's character set. Write
// always emits it first as `.encoding = "UTF-8"`; the model never stores it.
const EncodingKey = ".encoding"

// ErrInvalidKey is wrapped by every error about a malformed VMX key, so that
// callers (and tests) can tell a bad key from other failures with errors.Is.
var ErrInvalidKey = errors.New("invalid VMX key")

// ErrInvalidValue is wrapped by every error about a VMX value that is
// refused: control characters given to Set (a newline would let a value
// inject a new key), invalid UTF-8, or an unsupported .encoding.
var ErrInvalidValue = errors.New("invalid VMX value")

// VMX is an in-memory .vmx file: a set of key/value pairs.
//
// Keys are case-insensitive, as they are for VMware: Get("DISPLAYNAME")
// finds "displayName". The spelling kept for output is the one most recently
// passed to Set (or read by Parse). Keys keep their insertion order in Keys,
// so a parsed template can be inspected in file order, but WriteTo always
// writes them sorted by lowercased key.
//
// Values are stored decoded (a `|22` read from a file is a `"` here). Set
// accepts only single-line values; a value read by Parse may hold control
// characters the file encoded (|0A), which WriteTo encodes again. The zero
// value is an empty VMX ready to use.
type VMX struct {
	entries map[string]*entry // lowercased key → entry
	order   []string          // lowercased keys, insertion order
}

type entry struct {
	key   string // spelling used for output
	value string
}

// New returns an empty VMX. It is equivalent to new(VMX) and exists for
// readability at call sites.
func New() *VMX { return &VMX{} }

// Len returns the number of keys, not counting .encoding.
func (v *VMX) Len() int { return len(v.order) }

// Keys returns the keys in insertion order, spelled as they will be written.
// The slice is a copy.
func (v *VMX) Keys() []string {
	out := make([]string, 0, len(v.order))
	for _, lk := range v.order {
		out = append(out, v.entries[lk].key)
	}
	return out
}

// Get returns the value of key, looked up case-insensitively, and whether it
// is set. Get(".encoding") always reports "UTF-8": it is the only encoding
// this package writes.
func (v *VMX) Get(key string) (string, bool) {
	lk := strings.ToLower(key)
	if lk == EncodingKey {
		return "UTF-8", true
	}
	e, ok := v.entries[lk]
	if !ok {
		return "", false
	}
	return e.value, true
}

// Set stores value under key, replacing any value stored under another
// spelling of the same key, and adopting this spelling for output. It
// rejects keys outside [A-Za-z0-9_.:-]+ and values containing control
// characters or invalid UTF-8, with an error naming the key. Setting
// .encoding is accepted only for UTF-8 and changes nothing.
func (v *VMX) Set(key, value string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := ValidateValue(key, value); err != nil {
		return err
	}
	lk := strings.ToLower(key)
	if lk == EncodingKey {
		return checkEncoding(value)
	}
	v.set(lk, key, value)
	return nil
}

// set stores an already validated pair.
func (v *VMX) set(lk, key, value string) {
	if v.entries == nil {
		v.entries = make(map[string]*entry)
	}
	if e, ok := v.entries[lk]; ok {
		e.key, e.value = key, value
		return
	}
	v.entries[lk] = &entry{key: key, value: value}
	v.order = append(v.order, lk)
}

// Delete removes key (any spelling). Deleting a missing key does nothing.
func (v *VMX) Delete(key string) {
	lk := strings.ToLower(key)
	if _, ok := v.entries[lk]; !ok {
		return
	}
	delete(v.entries, lk)
	for i, k := range v.order {
		if k == lk {
			v.order = append(v.order[:i], v.order[i+1:]...)
			break
		}
	}
}

// Merge copies every key of over into v, over winning for keys both hold.
// Keys new to v are appended in over's order. A nil over changes nothing.
func (v *VMX) Merge(over *VMX) {
	if over == nil {
		return
	}
	for _, lk := range over.order {
		e := over.entries[lk]
		v.set(lk, e.key, e.value)
	}
}

// Clone returns a deep copy of v, so a template can be used as a base
// without being modified.
func (v *VMX) Clone() *VMX {
	c := &VMX{}
	c.Merge(v)
	return c
}

// ValidateKey reports whether key may appear in a VMX: one or more of
// A-Z a-z 0-9 _ . : - (for example "scsi0:0.fileName", "guestinfo.x-y").
func ValidateKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty key", ErrInvalidKey)
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '_', c == '.', c == ':', c == '-':
		default:
			return fmt.Errorf("%w %q: character %q is not allowed (want [A-Za-z0-9_.:-]+)", ErrInvalidKey, key, rune(c))
		}
	}
	return nil
}

// ValidateValue reports whether value may be written under key. Values must
// be valid UTF-8 without control characters (newline, carriage return, tab,
// NUL, DEL, C1 controls) or Unicode line/paragraph separators: a value is
// one line, so a VM name like `x"\nfoo = "bar` can never inject a key.
// Quotes and pipes are fine; WriteTo escapes them.
func ValidateValue(key, value string) error {
	if !utf8.ValidString(value) {
		return fmt.Errorf("%w for key %q: not valid UTF-8", ErrInvalidValue, key)
	}
	for i, r := range value {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			hint := ""
			if strings.HasPrefix(strings.ToLower(key), "guestinfo.") {
				hint = fmt.Sprintf(` (encode multi-line data as base64 and set "%s.encoding" = "base64")`, key)
			}
			return fmt.Errorf("%w for key %q: control character %U at byte %d; values must be a single line%s",
				ErrInvalidValue, key, r, i, hint)
		}
	}
	return nil
}

// checkEncoding accepts the spellings of UTF-8 found in VMX files.
func checkEncoding(value string) error {
	switch strings.ToLower(value) {
	case "utf-8", "utf8":
		return nil
	}
	return fmt.Errorf("%w: .encoding %q is not supported (only UTF-8; re-save the file with a current VMware product)", ErrInvalidValue, value)
}
