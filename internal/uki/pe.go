package uki

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Offsets and sizes of the PE/COFF structures used here (PE/COFF specification, "PE Format").
const (
	peOffsetField   = 0x3c // e_lfanew in the MS-DOS header
	coffSize        = 20
	sectionSize     = 40
	magicPE32       = 0x10b
	magicPE32Plus   = 0x20b
	securityDirSlot = 4

	// Section characteristics.
	scnCode     = 0x00000020
	scnInitData = 0x00000040
	scnMemRead  = 0x40000000
)

var le = binary.LittleEndian

// stub is the parsed EFI stub: the offsets of the header fields Write patches and its section
// table, all bounds-checked against the data.
type stub struct {
	data        []byte // the stub, its trailing symbol table cut off
	coff        int    // offset of the COFF file header
	opt         int    // offset of the optional header
	sectionsAt  int    // offset of the section table
	nsections   int
	headerEnd   int    // SizeOfHeaders rounded up to FileAlignment: room for section headers
	fileAlign   uint32 // FileAlignment
	sectAlign   uint32 // SectionAlignment
	lastVirtEnd uint64 // the end of the highest section in memory
	names       map[string]bool
}

// errStub wraps everything wrong with a stub.
var errStub = errors.New("uki: not a usable EFI stub")

func stubErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errStub, fmt.Sprintf(format, args...))
}

// u16, u32 read a little-endian field, reporting false past the end of b.
func u16(b []byte, off int) (uint16, bool) {
	if off < 0 || off+2 > len(b) {
		return 0, false
	}
	return le.Uint16(b[off:]), true
}

func u32(b []byte, off int) (uint32, bool) {
	if off < 0 || off+4 > len(b) {
		return 0, false
	}
	return le.Uint32(b[off:]), true
}

// powerOfTwo reports whether v is a power of two.
func powerOfTwo(v uint32) bool { return v != 0 && v&(v-1) == 0 }

// parseStub reads and checks the headers of an EFI stub.
func parseStub(data []byte) (*stub, error) {
	if len(data) < 0x40 || data[0] != 'M' || data[1] != 'Z' {
		return nil, stubErr("no MS-DOS header (MZ)")
	}
	peOff, _ := u32(data, peOffsetField)
	if uint64(peOff)+4+coffSize > uint64(len(data)) || string(data[peOff:peOff+4]) != "PE\x00\x00" {
		return nil, stubErr("no PE signature at offset %#x", peOff)
	}
	s := &stub{coff: int(peOff) + 4, names: map[string]bool{}}
	nsec, _ := u16(data, s.coff+2)
	optSize, _ := u16(data, s.coff+16)
	s.opt = s.coff + coffSize
	s.sectionsAt = s.opt + int(optSize)
	s.nsections = int(nsec)
	magic, ok := u16(data, s.opt)
	if !ok || (magic != magicPE32 && magic != magicPE32Plus) {
		return nil, stubErr("optional header magic %#x is neither PE32 nor PE32+", magic)
	}
	dirCountAt, dirsAt := s.opt+92, s.opt+96
	if magic == magicPE32Plus {
		dirCountAt, dirsAt = s.opt+108, s.opt+112
	}
	if dirsAt > s.sectionsAt {
		return nil, stubErr("optional header of %d bytes is too short", optSize)
	}
	if ndirs, ok := u32(data, dirCountAt); ok && ndirs > securityDirSlot && dirsAt+8*securityDirSlot+8 <= s.sectionsAt {
		if sec, _ := u32(data, dirsAt+8*securityDirSlot); sec != 0 {
			return nil, stubErr("it is signed (it has a certificate table); adding sections would break the signature, use an unsigned stub")
		}
	}
	s.sectAlign, _ = u32(data, s.opt+32)
	s.fileAlign, _ = u32(data, s.opt+36)
	if !powerOfTwo(s.fileAlign) || s.fileAlign > 1<<16 || !powerOfTwo(s.sectAlign) || s.sectAlign < s.fileAlign {
		return nil, stubErr("alignments (section %#x, file %#x) are not powers of two with section ≥ file ≤ 64 KiB", s.sectAlign, s.fileAlign)
	}
	hdrs, _ := u32(data, s.opt+60)
	s.headerEnd = int(min(alignUp(uint64(hdrs), s.fileAlign), uint64(len(data))))
	if s.nsections == 0 || s.sectionsAt+s.nsections*sectionSize > s.headerEnd {
		return nil, stubErr("%d sections do not fit its %d bytes of headers", s.nsections, s.headerEnd)
	}
	end, err := s.scanSections(data)
	if err != nil {
		return nil, err
	}
	s.data = stripSymbols(data, s.coff, end)
	return s, nil
}

// scanSections checks every section header and returns the end of the last section's raw data.
func (s *stub) scanSections(data []byte) (int, error) {
	rawEnd := s.headerEnd
	for i := range s.nsections {
		h := data[s.sectionsAt+i*sectionSize:][:sectionSize]
		name := sectionName(h)
		vsize, va := le.Uint32(h[8:]), le.Uint32(h[12:])
		rsize, rptr := le.Uint32(h[16:]), le.Uint32(h[20:])
		if rsize > 0 {
			if int(rptr) < s.headerEnd || uint64(rptr)+uint64(rsize) > uint64(len(data)) {
				return 0, stubErr("section %q's data (%#x+%#x) lies outside the file", name, rptr, rsize)
			}
			rawEnd = max(rawEnd, int(rptr+rsize))
		}
		mem := vsize // what is mapped; a zero VirtualSize means the raw size
		if mem == 0 {
			mem = rsize
		}
		s.lastVirtEnd = max(s.lastVirtEnd, uint64(va)+uint64(mem))
		s.names[name] = true
	}
	return rawEnd, nil
}

// stripSymbols cuts off a COFF symbol and string table at the end of the file (old stubs keep
// one, image files should not), as ukify does; anything else past the sections is kept.
func stripSymbols(data []byte, coff, rawEnd int) []byte {
	ptr, _ := u32(data, coff+8)
	nsym, _ := u32(data, coff+12)
	if ptr == 0 || int64(ptr) < int64(rawEnd) {
		return data
	}
	end := uint64(ptr) + 18*uint64(nsym)
	if strs, ok := u32(data, int(min(end, uint64(len(data))))); ok {
		end += uint64(strs)
	}
	if end != uint64(len(data)) {
		return data
	}
	out := append([]byte(nil), data[:ptr]...)
	le.PutUint32(out[coff+8:], 0)
	le.PutUint32(out[coff+12:], 0)
	return out
}

// sectionName returns a section header's name, without its NUL padding.
func sectionName(h []byte) string {
	n := h[:8]
	for i, c := range n {
		if c == 0 {
			return string(n[:i])
		}
	}
	return string(n)
}

// alignUp rounds v up to a multiple of a (a power of two).
func alignUp(v uint64, a uint32) uint64 {
	m := uint64(a) - 1
	return (v + m) &^ m
}

// peSizeOfImage returns SizeOfImage of the PE file whose first bytes are head, or 0 when head
// is not the start of a PE file (then the section is just its size).
func peSizeOfImage(head []byte) uint32 {
	if len(head) < 0x40 || head[0] != 'M' || head[1] != 'Z' {
		return 0
	}
	peOff, _ := u32(head, peOffsetField)
	if uint64(peOff)+4+coffSize+60 > uint64(len(head)) || string(head[peOff:peOff+4]) != "PE\x00\x00" {
		return 0
	}
	v, _ := u32(head, int(peOff)+4+coffSize+56)
	return v
}

// PE machine types of the stubs this package knows.
const (
	MachineAMD64 = 0x8664
	MachineARM64 = 0xaa64
)

// Machine checks that stub is a usable, unsigned EFI stub with room for the UKI sections and
// returns its COFF machine type (MachineAMD64, MachineARM64, …), so callers can refuse a stub
// of the wrong architecture before writing anything.
func Machine(stubData []byte) (uint16, error) {
	s, err := parseStub(stubData)
	if err != nil {
		return 0, err
	}
	m, _ := u16(s.data, s.coff)
	return m, nil
}
