package media

import "time"

// Rock Ridge (RRIP 1.10, "RRIP_1991A") on top of SUSP 1.10: the System Use entries that give
// Linux and isolinux the real, case-preserving names, POSIX modes and timestamps. Only what a
// boot image needs is written: SP and CE/ER on the root, PX, TF and NM on every record.

// Mode bits written in PX entries (S_IFDIR/S_IFREG with 0755/0644 permissions).
const (
	modeDir  = 0o040755
	modeFile = 0o100644
)

// The ER entry identifies the extension; the texts are those RRIP 1.10 prescribes.
const (
	rripID         = "RRIP_1991A"
	rripDescriptor = "THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS"
	rripSource     = "PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION."
)

// Sizes of the fixed-length entries.
const (
	spLen = 7
	pxLen = 36 // RRIP 1.10: mode, links, uid, gid (no serial number)
	tfLen = 5 + 3*7
	ceLen = 28
)

// erLen is the size of the ER entry, which lives in the root's continuation area because it
// does not fit in a directory record beside SP, PX and TF.
const erLen = 8 + len(rripID) + len(rripDescriptor) + len(rripSource)

// suspHeader writes the 4-byte header every SUSP entry starts with.
func suspHeader(b []byte, sig string, length int) {
	b[0], b[1], b[2], b[3] = sig[0], sig[1], byte(length), 1
}

// spEntry marks the root's "." record as the start of SUSP use (check bytes 0xBE 0xEF, skip 0).
func spEntry() []byte {
	b := make([]byte, spLen)
	suspHeader(b, "SP", spLen)
	b[4], b[5], b[6] = 0xbe, 0xef, 0
	return b
}

// pxEntry records the POSIX mode and link count; owner and group are root.
func pxEntry(mode, links uint32) []byte {
	b := make([]byte, pxLen)
	suspHeader(b, "PX", pxLen)
	putBoth32(b[4:], mode)
	putBoth32(b[12:], links)
	putBoth32(b[20:], 0)
	putBoth32(b[28:], 0)
	return b
}

// tfEntry records modify, access and attribute-change times (flags 0x0E), short form.
func tfEntry(t time.Time) []byte {
	b := make([]byte, tfLen)
	suspHeader(b, "TF", tfLen)
	b[4] = 0x0e
	d := recordDate(t)
	for i := range 3 {
		copy(b[5+7*i:], d[:])
	}
	return b
}

// nmEntry records the alternate (real) name of a file or directory.
func nmEntry(name string) []byte {
	b := make([]byte, 5+len(name))
	suspHeader(b, "NM", len(b))
	b[4] = 0
	copy(b[5:], name)
	return b
}

// ceEntry points at a continuation area: its block, the offset inside it and its length.
func ceEntry(lba, offset, length uint32) []byte {
	b := make([]byte, ceLen)
	suspHeader(b, "CE", ceLen)
	putBoth32(b[4:], lba)
	putBoth32(b[12:], offset)
	putBoth32(b[20:], length)
	return b
}

// erEntry declares the Rock Ridge extension (SUSP 5.5); Linux enables Rock Ridge when it sees it.
func erEntry() []byte {
	b := make([]byte, erLen)
	suspHeader(b, "ER", erLen)
	b[4], b[5], b[6], b[7] = byte(len(rripID)), byte(len(rripDescriptor)), byte(len(rripSource)), 1
	n := 8
	n += copy(b[n:], rripID)
	n += copy(b[n:], rripDescriptor)
	copy(b[n:], rripSource)
	return b
}

// systemUse builds the System Use field of one directory record.
//   - self is the record for the directory itself ("."), parent for "..", neither for an entry;
//   - the root's "." record also carries SP and a CE pointing at the ER entry in ceLBA.
func systemUse(n *isoNode, self, parent bool, mtime time.Time, ceLBA uint32) []byte {
	var su []byte
	if self && n.parent == nil {
		su = append(su, spEntry()...)
	}
	target := n
	if parent && n.parent != nil {
		target = n.parent
	}
	su = append(su, pxEntry(target.mode(), target.links())...)
	su = append(su, tfEntry(mtime)...)
	switch {
	case self && n.parent == nil:
		su = append(su, ceEntry(ceLBA, 0, uint32(erLen))...)
	case !self && !parent:
		su = append(su, nmEntry(n.name)...)
	}
	return su
}
