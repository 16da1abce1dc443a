package initrd

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// fuzzTypes are the entry types the fuzzer picks from.
var fuzzTypes = []uint32{TypeReg, TypeDir, TypeSymlink, TypeChar, TypeBlock, TypeFifo, TypeSocket}

// FuzzCPIOWriter writes fuzzer-chosen entries with CPIOWriter and reads the
// archive back with newcEntries, a reader written from the format's
// description rather than from the writer: every entry the writer accepted
// must come back exactly, numbered from inode 1, aligned, and followed by
// the trailer and nothing else.
func FuzzCPIOWriter(f *testing.F) {
	f.Add("etc\netc/hosts\nbin/sh", []byte{1, 0, 2}, []byte("127.0.0.1 localhost\n/bin/busybox"), uint64(0o755))
	f.Add("a", []byte{0}, []byte{}, uint64(0))
	f.Add("dev/console\nx\x00y\nTRAILER!!!\n", []byte{3, 0, 0, 2}, []byte("abc"), uint64(1<<40|0o4755))
	f.Fuzz(func(t *testing.T, names string, types, data []byte, bits uint64) {
		var (
			buf  bytes.Buffer
			want []Header
			body [][]byte
		)
		cw := NewCPIOWriter(&buf)
		for i, name := range strings.Split(names, "\n") {
			if i >= 16 {
				break
			}
			h, content := fuzzHeader(name, i, types, data, bits)
			if err := cw.WriteHeader(&h); err != nil {
				if validateHeader(&h) == nil {
					t.Fatalf("WriteHeader(%+v) failed on a valid header: %v", h, err)
				}
				continue // a refused header must leave the writer usable
			}
			if h.Mode&typeMask == TypeReg {
				if _, err := cw.Write(content); err != nil {
					t.Fatalf("Write %s: %v", h.Name, err)
				}
			}
			want, body = append(want, h), append(body, content)
		}
		if err := cw.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		got, err := newcEntries(buf.Bytes())
		if err != nil {
			t.Fatalf("the archive does not read back: %v", err)
		}
		if len(got) != len(want) {
			t.Fatalf("%d entries read back, %d written", len(got), len(want))
		}
		for i, g := range got {
			w := want[i]
			nlink := w.NLink
			if nlink == 0 {
				nlink = map[bool]uint32{true: 2, false: 1}[w.Mode&typeMask == TypeDir]
			}
			wantData := body[i]
			if w.Mode&typeMask == TypeSymlink {
				wantData = []byte(w.Linkname)
			}
			if g.ino != uint32(i+1) || g.name != w.Name || g.mode != w.Mode || g.uid != w.UID || g.gid != w.GID ||
				g.nlink != nlink || g.mtime != w.ModTime || g.rmaj != w.RDevMajor || g.rmin != w.RDevMinor ||
				!bytes.Equal(g.data, wantData) {
				t.Fatalf("entry %d: read back %+v, wrote %+v with %q", i, g, w, wantData)
			}
		}
	})
}

// fuzzHeader derives entry i from the fuzzer's inputs: its type from
// types, its permissions, owner and times from bits, its content (or link
// target) from a slice of data.
func fuzzHeader(name string, i int, types, data []byte, bits uint64) (Header, []byte) {
	typ := TypeReg
	if len(types) > 0 {
		typ = fuzzTypes[int(types[i%len(types)])%len(fuzzTypes)]
	}
	v := bits >> (i % 8)
	start := min(len(data), i*7)
	content := data[start:min(len(data), start+int(v%97))]
	h := Header{
		Name: name, Mode: typ | uint32(v)&permMask,
		UID: uint32(v >> 12), GID: uint32(v >> 20), NLink: uint32(v>>28) % 3, ModTime: uint32(v >> 32),
	}
	switch typ {
	case TypeReg:
		h.Size = int64(len(content))
	case TypeSymlink:
		h.Linkname = string(content)
		content = nil
	case TypeChar, TypeBlock:
		h.RDevMajor, h.RDevMinor = uint32(v>>8)%256, uint32(v)%256
		content = nil
	default:
		content = nil
	}
	return h, content
}

// newcRecord is one entry as read back from a newc archive.
type newcRecord struct {
	ino, mode, uid, gid, nlink, mtime, rmaj, rmin uint32
	name                                          string
	data                                          []byte
}

// newcEntries parses a newc archive from its description: a 110-byte
// header ("070701" and 13 fields of 8 hex digits), the NUL-terminated name
// padded to 4 bytes, the data padded to 4 bytes; the TRAILER!!! entry ends
// it. It returns every entry before the trailer.
func newcEntries(b []byte) ([]newcRecord, error) {
	var out []newcRecord
	off := 0
	for {
		if len(b)-off < newcHeaderLen {
			return nil, fmt.Errorf("offset %d: short header", off)
		}
		if off%4 != 0 || string(b[off:off+6]) != "070701" {
			return nil, fmt.Errorf("offset %d: no aligned newc magic", off)
		}
		var f [13]uint32
		for i := range f {
			s := string(b[off+6+8*i : off+14+8*i])
			v, err := strconv.ParseUint(s, 16, 32)
			if err != nil {
				return nil, fmt.Errorf("offset %d: field %d %q: %w", off, i, s, err)
			}
			f[i] = uint32(v)
		}
		nameEnd := off + newcHeaderLen + int(f[11])
		if f[11] == 0 || nameEnd > len(b) || b[nameEnd-1] != 0 {
			return nil, fmt.Errorf("offset %d: name of %d bytes not NUL-terminated", off, f[11])
		}
		name := string(b[off+newcHeaderLen : nameEnd-1])
		if strings.IndexByte(name, 0) >= 0 {
			return nil, fmt.Errorf("offset %d: name %q holds a NUL", off, name)
		}
		dataStart := align4(nameEnd)
		dataEnd := dataStart + int(f[6])
		if dataEnd > len(b) || align4(dataEnd) > len(b) {
			return nil, fmt.Errorf("entry %q: %d data bytes past the end", name, f[6])
		}
		if !allZero(b[nameEnd:dataStart]) || !allZero(b[dataEnd:align4(dataEnd)]) {
			return nil, fmt.Errorf("entry %q: padding is not zero", name)
		}
		off = align4(dataEnd)
		if name == trailerName {
			if off != len(b) {
				return nil, fmt.Errorf("%d bytes after the trailer", len(b)-off)
			}
			return out, nil
		}
		out = append(out, newcRecord{ino: f[0], mode: f[1], uid: f[2], gid: f[3], nlink: f[4], mtime: f[5],
			rmaj: f[9], rmin: f[10], name: name, data: b[dataStart:dataEnd]})
	}
}

// align4 rounds n up to a multiple of 4.
func align4(n int) int { return (n + 3) &^ 3 }

// allZero reports whether b holds only zero bytes.
func allZero(b []byte) bool { return len(bytes.Trim(b, "\x00")) == 0 }

// TestNewcEntriesRefusesDamage keeps the fuzz target's reader honest: it
// must refuse a cut archive, a bad magic and bytes past the trailer.
func TestNewcEntriesRefusesDamage(t *testing.T) {
	var buf bytes.Buffer
	cw := NewCPIOWriter(&buf)
	if err := cw.WriteHeader(&Header{Name: "a", Mode: TypeReg | 0o644, Size: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := cw.Write([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	if err := cw.Close(); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	if got, err := newcEntries(good); err != nil || len(got) != 1 || string(got[0].data) != "abc" {
		t.Fatalf("good archive: %+v, %v", got, err)
	}
	badMagic := bytes.Clone(good)
	binary.BigEndian.PutUint16(badMagic[4:], 0x3232)
	for name, b := range map[string][]byte{
		"cut":       good[:len(good)-8],
		"bad magic": badMagic,
		"trailing":  append(bytes.Clone(good), 0, 0, 0, 0),
	} {
		if _, err := newcEntries(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
