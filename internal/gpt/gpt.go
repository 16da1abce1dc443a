// Package gpt writes a GUID Partition Table (UEFI specification, chapter 5): the protective MBR,
// the primary header and partition entry array at the start of a disk and their backup at its
// end. It computes bytes only; callers put them at LBA 0 and at the disk's last 33 sectors, so
// the same tables serve a raw disk and an ISO 9660 image whose system area holds them.
//
// GUIDs are inputs, derived by callers from content digests (FromDigest), never random, so the
// same disk gives the same bytes.
package gpt

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"
	"unicode/utf16"
)

// SectorSize is the logical sector size the tables are laid out for.
const SectorSize = 512

const (
	numEntries   = 128
	entrySize    = 128
	entrySectors = numEntries * entrySize / SectorSize // 32
	headerSize   = 92
	// PrimarySectors is the size of Primary: the MBR, the header and the entry array.
	PrimarySectors = 2 + entrySectors
	// BackupSectors is the size of Backup: the entry array and the header.
	BackupSectors = entrySectors + 1
)

// GUID is a GUID in its on-disk byte order (the first three fields little-endian).
type GUID [16]byte

// String formats g as the canonical 8-4-4-4-12 upper-case text tools such as sgdisk print.
func (g GUID) String() string {
	le := binary.LittleEndian
	return strings.ToUpper(fmt.Sprintf("%08x-%04x-%04x-%x-%x", le.Uint32(g[0:]), le.Uint16(g[4:]), le.Uint16(g[6:]), g[8:10], g[10:]))
}

// ESPType is the partition type GUID of an EFI system partition,
// C12A7328-F81F-11D2-BA4B-00A0C93EC93B.
var ESPType = GUID{0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b}

// FromDigest derives a version-4-shaped GUID from a purpose (say "disk" or "esp") and a content
// digest, so distinct disks get distinct GUIDs and a rebuild gets the same ones.
func FromDigest(purpose string, digest []byte) GUID {
	h := sha256.New()
	h.Write([]byte("linuxkit-gpt\x00" + purpose + "\x00"))
	h.Write(digest)
	var g GUID
	copy(g[:], h.Sum(nil))
	g[7] = g[7]&0x0f | 0x40 // version 4 (the high nibble of the third field, stored little-endian)
	g[8] = g[8]&0x3f | 0x80 // RFC 4122 variant
	return g
}

// Partition is one entry of the table; FirstLBA and LastLBA are inclusive 512-byte sectors.
type Partition struct {
	Type     GUID
	GUID     GUID
	Name     string // at most 36 UTF-16 code units
	FirstLBA uint64
	LastLBA  uint64
}

// Table is a validated partition table for a disk of Sectors sectors.
type Table struct {
	sectors  uint64
	disk     GUID
	parts    []Partition
	entries  []byte
	entryCRC uint32
}

// New checks that every partition lies inside the usable area (LBA 34 to Sectors-34) and that
// none overlaps another, and builds the entry array.
func New(sectors uint64, disk GUID, parts []Partition) (*Table, error) {
	if sectors < PrimarySectors+BackupSectors+1 {
		return nil, fmt.Errorf("gpt: a disk of %d sectors is too small for a GPT", sectors)
	}
	if len(parts) > numEntries {
		return nil, fmt.Errorf("gpt: %d partitions, at most %d", len(parts), numEntries)
	}
	t := &Table{sectors: sectors, disk: disk, parts: parts, entries: make([]byte, numEntries*entrySize)}
	first, last := t.usable()
	for i, p := range parts {
		if p.FirstLBA < first || p.LastLBA > last || p.FirstLBA > p.LastLBA {
			return nil, fmt.Errorf("gpt: partition %d (LBA %d..%d) is outside the usable LBAs %d..%d", i+1, p.FirstLBA, p.LastLBA, first, last)
		}
		for j, q := range parts[:i] {
			if p.FirstLBA <= q.LastLBA && q.FirstLBA <= p.LastLBA {
				return nil, fmt.Errorf("gpt: partitions %d and %d overlap", j+1, i+1)
			}
		}
		name := utf16.Encode([]rune(p.Name))
		if len(name) > 36 {
			return nil, fmt.Errorf("gpt: partition name %q is longer than 36 UTF-16 code units", p.Name)
		}
		e := t.entries[i*entrySize:][:entrySize]
		copy(e[0:], p.Type[:])
		copy(e[16:], p.GUID[:])
		binary.LittleEndian.PutUint64(e[32:], p.FirstLBA)
		binary.LittleEndian.PutUint64(e[40:], p.LastLBA)
		for k, c := range name {
			binary.LittleEndian.PutUint16(e[56+2*k:], c)
		}
	}
	t.entryCRC = crc32.ChecksumIEEE(t.entries)
	return t, nil
}

// usable returns the first and last LBA partitions may use.
func (t *Table) usable() (uint64, uint64) {
	return PrimarySectors, t.sectors - BackupSectors - 1
}

// ProtectiveMBR returns the 512-byte MBR whose one partition, of type 0xEE, covers the disk from
// LBA 1, which tells MBR-only tools the disk is in use and UEFI firmware to read the GPT.
// code, when not nil, fills the boot code area (its first 440 bytes are used).
func (t *Table) ProtectiveMBR(code []byte) []byte {
	b := make([]byte, SectorSize)
	copy(b[:440], code)
	p := b[446:462]
	copy(p[1:4], []byte{0x00, 0x02, 0x00}) // CHS of LBA 1
	p[4] = 0xee
	copy(p[5:8], []byte{0xff, 0xff, 0xff})
	binary.LittleEndian.PutUint32(p[8:], 1)
	binary.LittleEndian.PutUint32(p[12:], uint32(min(t.sectors-1, 0xffffffff)))
	b[510], b[511] = 0x55, 0xaa
	return b
}

// header builds the 512-byte header sector at myLBA pointing at the entry array at entriesLBA.
func (t *Table) header(myLBA, altLBA, entriesLBA uint64) []byte {
	b := make([]byte, SectorSize)
	le := binary.LittleEndian
	copy(b, "EFI PART")
	le.PutUint32(b[8:], 0x00010000)
	le.PutUint32(b[12:], headerSize)
	le.PutUint64(b[24:], myLBA)
	le.PutUint64(b[32:], altLBA)
	first, last := t.usable()
	le.PutUint64(b[40:], first)
	le.PutUint64(b[48:], last)
	copy(b[56:72], t.disk[:])
	le.PutUint64(b[72:], entriesLBA)
	le.PutUint32(b[80:], numEntries)
	le.PutUint32(b[84:], entrySize)
	le.PutUint32(b[88:], t.entryCRC)
	le.PutUint32(b[16:], crc32.ChecksumIEEE(b[:headerSize]))
	return b
}

// Primary returns the first PrimarySectors sectors of the disk: mbr (a ProtectiveMBR, or a
// caller's hybrid MBR), the primary header at LBA 1 and the entry array at LBA 2..33.
func (t *Table) Primary(mbr []byte) ([]byte, error) {
	if len(mbr) != SectorSize {
		return nil, fmt.Errorf("gpt: the MBR has %d bytes, want %d", len(mbr), SectorSize)
	}
	b := make([]byte, 0, PrimarySectors*SectorSize)
	b = append(b, mbr...)
	b = append(b, t.header(1, t.sectors-1, 2)...)
	return append(b, t.entries...), nil
}

// Backup returns the disk's last BackupSectors sectors: the entry array, then the backup header
// in the last sector.
func (t *Table) Backup() []byte {
	b := make([]byte, 0, BackupSectors*SectorSize)
	b = append(b, t.entries...)
	return append(b, t.header(t.sectors-1, 1, t.sectors-BackupSectors)...)
}

// BackupOffset is the byte offset where Backup goes.
func (t *Table) BackupOffset() int64 { return int64(t.sectors-BackupSectors) * SectorSize }
