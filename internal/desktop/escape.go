package desktop

import "strings"

// VMware's dictionary files quote every value and escape the characters that
// would end or confuse it as "|XX", a pipe and two hex digits: |22 for a
// quote, |7C for the pipe itself, and (in files VMware writes) |0A for a
// newline. This package writes only |22 and |7C, in upper case as VMware
// does, and |XX for ASCII control characters. Set never stores a control
// character (see ValidateValue); only a file VMware wrote can hold one, such
// as a multi-line annotation read as |0A, and it is written back the same
// way. So no value ever reaches the file as a raw line break. Reading
// decodes any |XX, in either case. A pipe not followed by two hex digits is
// kept literally, which is how VMware treats it too.

// escapeValue encodes a validated value for use between double quotes.
func escapeValue(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			b.WriteString("|22")
		case '|':
			b.WriteString("|7C")
		default:
			if c < 0x20 || c == 0x7f {
				b.WriteByte('|')
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xf])
				continue
			}
			b.WriteByte(c)
		}
	}
	return b.String()
}

const hexDigits = "0123456789ABCDEF"

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '|' || c < 0x20 || c == 0x7f {
			return true
		}
	}
	return false
}

// unescapeValue decodes every |XX sequence of s.
func unescapeValue(s string) string {
	if !strings.Contains(s, "|") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '|' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
