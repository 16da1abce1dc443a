package sbom

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
)

// fieldSetter sets one database field on the package being read; it
// returns false when the stanza is not an installed package.
type fieldSetter func(p *Package, key, value string) bool

// readStanzas reads a package database made of stanzas separated by blank
// lines, each line "Key: value" (dpkg) or "K:value" (apk). Continuation
// lines (starting with a space or a tab) and lines longer than maxLine are
// skipped; each stanza becomes one add call unless set rejected it. Read
// errors of r end the database early and are returned.
func readStanzas(r io.Reader, maxLine int, set fieldSetter, add func(Package)) error {
	br := bufio.NewReaderSize(r, maxLine)
	var p Package
	keep, fields := true, false
	flush := func() {
		if keep && fields {
			add(p)
		}
		p, keep, fields = Package{}, true, false
	}
	for {
		line, err := readLine(br)
		if len(bytes.TrimSpace(line)) == 0 {
			flush()
		} else if line[0] != ' ' && line[0] != '\t' {
			if k, v, ok := bytes.Cut(line, []byte(":")); ok && keep {
				keep, fields = set(&p, string(k), strings.TrimSpace(string(v))), true
			}
		}
		if errors.Is(err, io.EOF) {
			flush()
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// readLine returns the next line without its newline; a line longer than
// the reader's buffer is read to its end and returned empty of content
// (a single space), so it neither ends a stanza nor sets a field.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return bytes.TrimRight(line, "\r\n"), err
	}
	for errors.Is(err, bufio.ErrBufferFull) {
		_, err = br.ReadSlice('\n')
	}
	return []byte(" "), err
}

// dpkgFields reads a dpkg status stanza; only "install ok installed"
// packages (or stanzas without a Status, as in distroless status.d files)
// are kept.
func dpkgFields(p *Package, key, value string) bool {
	switch key {
	case "Package":
		p.Name = value
	case "Version":
		p.Version = value
	case "Architecture":
		p.Arch = value
	case "Status":
		return strings.HasSuffix(value, " installed")
	}
	return true
}

// apkFields reads an apk installed-database stanza.
func apkFields(p *Package, key, value string) bool {
	switch key {
	case "P":
		p.Name = value
	case "V":
		p.Version = value
	case "A":
		p.Arch = value
	case "L":
		p.License = value
	}
	return true
}

// osReleaseID returns the ID= value of an os-release file, or "".
func osReleaseID(r io.Reader) string {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 4096)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "ID="); ok {
			return strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	return ""
}
