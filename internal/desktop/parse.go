package desktop

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
)

// maxLine bounds one VMX line; real files have lines of a few hundred bytes.
const maxLine = 1 << 20

// Parse reads a .vmx file. It accepts what VMware and people write:
//
//   - blank lines and lines starting with '#' (comments);
//   - `key = "value"`, with optional spaces around '=' and an optional
//     `# comment` after the closing quote;
//   - `key = value` without quotes (no '"' inside; a '#' starts a comment);
//   - |XX escapes inside values, decoded (|22 is a quote);
//   - CRLF line ends and a leading UTF-8 byte order mark;
//   - .encoding, which must name UTF-8 (the only character set this
//     package reads and writes).
//
// A key read twice keeps its first position and its last value. Errors carry
// the 1-based line number. Unlike Set, Parse keeps control characters that a
// file encodes (a multi-line annotation's |0A); WriteTo encodes them again.
// Decoded values must be valid UTF-8, so a VMX that parses always writes.
func Parse(r io.Reader) (*VMX, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	v := &VMX{}
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if err := parseLine(v, line); err != nil {
			return nil, fmt.Errorf("vmx: line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("vmx: line %d: longer than %d bytes", n+1, maxLine)
		}
		return nil, fmt.Errorf("vmx: reading line %d: %w", n+1, err)
	}
	return v, nil
}

// ReadFile parses the .vmx file at path.
func ReadFile(path string) (*VMX, error) {
	f, err := safeio.OpenRegular(path, "vmx")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	v, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// parseLine adds one line's pair (if any) to v.
func parseLine(v *VMX, line string) error {
	line = strings.TrimSuffix(line, "\r")
	if !utf8.ValidString(line) {
		return fmt.Errorf("%w: line is not valid UTF-8", ErrInvalidValue)
	}
	line = strings.Trim(line, " \t")
	if line == "" || line[0] == '#' {
		return nil
	}
	end := strings.IndexAny(line, " \t=")
	if end < 0 {
		return fmt.Errorf("expected `key = \"value\"`, found %q", clip(line))
	}
	key := line[:end]
	if err := ValidateKey(key); err != nil {
		return err
	}
	rest := strings.TrimLeft(line[end:], " \t")
	if rest == "" || rest[0] != '=' {
		return fmt.Errorf("key %q: expected '=' after the key", key)
	}
	raw, err := rawValue(strings.TrimLeft(rest[1:], " \t"))
	if err != nil {
		return fmt.Errorf("key %q: %w", key, err)
	}
	value := unescapeValue(raw)
	if !utf8.ValidString(value) {
		return fmt.Errorf("%w for key %q: |XX escapes decode to invalid UTF-8", ErrInvalidValue, key)
	}
	lk := strings.ToLower(key)
	if lk == EncodingKey {
		return checkEncoding(value)
	}
	v.set(lk, key, value)
	return nil
}

// rawValue returns the still-escaped value that starts s.
func rawValue(s string) (string, error) {
	if strings.HasPrefix(s, `"`) {
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return "", errors.New("unterminated quoted value")
		}
		raw := s[1 : 1+end]
		tail := strings.TrimLeft(s[2+end:], " \t")
		if tail != "" && tail[0] != '#' {
			return "", fmt.Errorf("unexpected %q after the closing quote", clip(tail))
		}
		return raw, nil
	}
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimRight(s, " \t")
	if strings.ContainsRune(s, '"') {
		return "", fmt.Errorf("stray quote in unquoted value %q", clip(s))
	}
	return s, nil
}

// clip shortens text quoted in an error message.
func clip(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
