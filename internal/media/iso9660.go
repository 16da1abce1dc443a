package media

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// ISO 9660 (ECMA-119) encoding primitives: both-endian numbers, the two date formats, padded
// character fields and the identifier rules. Everything here is pure and allocation-light.

const (
	sectorSize    = 2048 // ISO 9660 logical block size
	systemSectors = 16   // the system area: LBA 0..15, where the isohybrid MBR lives
)

// putBoth16 writes v as a "both-byte orders" 16-bit field (ECMA-119 7.2.3): LE then BE.
func putBoth16(b []byte, v uint16) {
	binary.LittleEndian.PutUint16(b[0:2], v)
	binary.BigEndian.PutUint16(b[2:4], v)
}

// putBoth32 writes v as a "both-byte orders" 32-bit field (ECMA-119 7.3.3): LE then BE.
func putBoth32(b []byte, v uint32) {
	binary.LittleEndian.PutUint32(b[0:4], v)
	binary.BigEndian.PutUint32(b[4:8], v)
}

// putPadded copies s into b and fills the rest with spaces, as the a-/d-character fields of a
// volume descriptor want.
func putPadded(b []byte, s string) {
	n := copy(b, s)
	for i := n; i < len(b); i++ {
		b[i] = ' '
	}
}

// recordDate encodes t as the 7-byte date of a directory record (ECMA-119 9.1.5), in UTC.
func recordDate(t time.Time) [7]byte {
	t = t.UTC()
	return [7]byte{byte(t.Year() - 1900), byte(t.Month()), byte(t.Day()),
		byte(t.Hour()), byte(t.Minute()), byte(t.Second()), 0}
}

// descriptorDate encodes t as the 17-byte date of a volume descriptor (ECMA-119 8.4.26.1):
// "YYYYMMDDHHMMSScc" in ASCII and a zero (UTC) offset.
func descriptorDate(t time.Time) [17]byte {
	var d [17]byte
	t = t.UTC()
	copy(d[:16], fmt.Sprintf("%04d%02d%02d%02d%02d%02d%02d", t.Year(), t.Month(), t.Day(),
		t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/10_000_000))
	return d
}

// unsetDate is the 17-byte "not specified" date: sixteen '0' digits and a zero offset.
func unsetDate() [17]byte {
	var d [17]byte
	copy(d[:16], "0000000000000000")
	return d
}

// checkISOTime rejects times the 7-byte record date cannot carry (years 1900..2155).
func checkISOTime(t time.Time) error {
	if y := t.UTC().Year(); y < 1900 || y > 2155 {
		return fmt.Errorf("modification time %s is outside the years ISO 9660 can record (1900..2155)", t.UTC().Format(time.RFC3339))
	}
	return nil
}

// isDChar reports whether c is a d-character (ECMA-119 7.4.1): A-Z, 0-9 and '_'.
func isDChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// dChars upper-cases s and replaces every byte that is not a d-character with '_'.
func dChars(s string) string {
	b := []byte(strings.ToUpper(s))
	for i, c := range b {
		if !isDChar(c) {
			b[i] = '_'
		}
	}
	return string(b)
}

// level1Name maps a Rock Ridge name to its ISO 9660 level 1 identifier: an 8.3 name in
// d-characters, ";1" appended for files. Rock Ridge (NM) keeps the real name; this is the name
// plain ISO 9660 readers and the El Torito firmware path see.
func level1Name(name string, dir bool) string {
	base, ext := name, ""
	if !dir {
		if i := strings.LastIndexByte(name, '.'); i > 0 {
			base, ext = name[:i], name[i+1:]
		}
	}
	base = dChars(base)
	if len(base) > 8 {
		base = base[:8]
	}
	if dir {
		return base
	}
	ext = dChars(ext)
	if len(ext) > 3 {
		ext = ext[:3]
	}
	return base + "." + ext + ";1"
}

// splitIdentifier splits a file identifier into name, extension and version for sorting.
func splitIdentifier(id string) (name, ext, version string) {
	if i := strings.IndexByte(id, ';'); i >= 0 {
		id, version = id[:i], id[i+1:]
	}
	if i := strings.IndexByte(id, '.'); i >= 0 {
		return id[:i], id[i+1:], version
	}
	return id, "", version
}

// compareIdentifiers orders file identifiers the way ECMA-119 9.3 orders directory records:
// by name, then extension, each compared as if the shorter were padded with spaces, then by
// version, highest first.
func compareIdentifiers(a, b string) int {
	an, ae, av := splitIdentifier(a)
	bn, be, bv := splitIdentifier(b)
	if c := comparePadded(an, bn); c != 0 {
		return c
	}
	if c := comparePadded(ae, be); c != 0 {
		return c
	}
	return -comparePadded(av, bv)
}

// comparePadded compares two byte strings, padding the shorter one with spaces (0x20).
func comparePadded(a, b string) int {
	n := max(len(a), len(b))
	for i := range n {
		ca, cb := byte(' '), byte(' ')
		if i < len(a) {
			ca = a[i]
		}
		if i < len(b) {
			cb = b[i]
		}
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	return 0
}

// sectorsFor returns how many 2048-byte sectors hold n bytes.
func sectorsFor(n int64) int64 { return (n + sectorSize - 1) / sectorSize }
