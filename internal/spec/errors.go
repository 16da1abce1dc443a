package spec

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a spec, with the place it was found: the file
// name given to Parse, the 1-based line and column, and the field path such
// as "services[2].capabilities[0]".
type Error struct {
	File   string
	Line   int
	Column int
	Path   string
	Msg    string
}

// Error formats the problem as "file:line:col: path: msg".
func (e *Error) Error() string {
	var b strings.Builder
	if loc := (Pos{File: e.File, Line: e.Line, Column: e.Column}).String(); loc != "" {
		b.WriteString(loc)
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in one pass, sorted by position, so a
// caller can print them all at once. It is returned as an error only when
// it is not empty.
type ErrorList []*Error

// Error joins the problems, one per line.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap gives errors.As and errors.Is access to each *Error.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// sort orders the list by file, line, column, path and message, and drops
// exact duplicates, so the output does not depend on the checking order.
func (l ErrorList) sort() ErrorList {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Msg < b.Msg
	})
	out := l[:0]
	for i, e := range l {
		if i > 0 && *e == *l[i-1] {
			continue
		}
		out = append(out, e)
	}
	return out
}

// err returns the list as an error, or nil when it is empty.
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	return l.sort()
}

// errorAt builds an Error at position p.
func errorAt(p Pos, format string, args ...any) *Error {
	return &Error{File: p.File, Line: p.Line, Column: p.Column, Path: p.Path, Msg: fmt.Sprintf(format, args...)}
}

// source is the position table of one parsed document: the position of
// every decoded value, keyed by its field path. Elements keep a pointer to
// it so that errors found after parsing (merge, pin, OCI config) still name
// the exact line.
type source struct {
	file string
	pos  map[string]Pos
}

// at returns the position recorded for path, or for its nearest recorded
// ancestor; the returned Pos always carries path itself.
func (s *source) at(path string) Pos {
	if s == nil {
		return Pos{Path: path}
	}
	for p := path; ; {
		if pos, ok := s.pos[p]; ok {
			pos.Path = path
			return pos
		}
		i := strings.LastIndexAny(p, ".[")
		if i <= 0 {
			return Pos{File: s.file, Path: path}
		}
		p = p[:i]
	}
}

// errorf builds an Error at the recorded position of path.
func (s *source) errorf(path, format string, args ...any) *Error {
	return errorAt(s.at(path), format, args...)
}

// joinPath appends a field name to a path.
func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// indexPath appends a list index to a path.
func indexPath(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

// keyPath appends a map key to a path, quoting keys that contain
// separators (sysctl names have dots).
func keyPath(path, key string) string {
	if key == "" || strings.ContainsAny(key, ".[]\" ") {
		return fmt.Sprintf("%s[%q]", path, key)
	}
	return joinPath(path, key)
}

// suggest returns the candidate closest to s, when it is close enough to be
// a likely typo, or "".
func suggest(s string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		if strings.EqualFold(c, s) {
			return c
		}
		d := levenshtein(strings.ToLower(s), strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	limit := 1
	switch {
	case len(s) > 8:
		limit = 3
	case len(s) > 4:
		limit = 2
	}
	if bestD >= 0 && bestD <= limit {
		return best
	}
	return ""
}

// levenshtein is the edit distance between a and b (bytes).
func levenshtein(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		// Long keys are never typos of ours; keep the cost bounded.
		return 1 << 20
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
