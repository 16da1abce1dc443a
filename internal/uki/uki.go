package uki

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/seqio"
)

// Section is one PE section to add: its name (at most 8 bytes, ".linux"), its exact size and a
// way to open its bytes. Open is called when the section is written; for the .linux section of a
// Parts image it is also called once before, to read the kernel's PE header.
type Section struct {
	Name string
	Size int64
	Open func() (io.ReadCloser, error)
	// Code marks the section as code rather than initialized data (ukify does so for .linux).
	Code bool
	// VirtualSize, when larger than Size, is the section's size in memory (the zeros past Size
	// are the kernel's room to run in place).
	VirtualSize uint32
}

// Bytes is a Section over bytes in memory.
func Bytes(name string, b []byte) Section {
	return Section{Name: name, Size: int64(len(b)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}}
}

// placed is a Section with its header values.
type placed struct {
	Section
	va, vsize, rawPtr, rawSize uint32
}

// Image is a laid-out UKI, ready to be written with WriteTo.
type Image struct {
	header   []byte // the stub with its headers patched
	sections []placed
	size     int64
}

// New lays out stub (an unsigned EFI stub) with sections added in the order given.
func New(stubData []byte, sections []Section) (*Image, error) {
	s, err := parseStub(stubData)
	if err != nil {
		return nil, err
	}
	if need := s.sectionsAt + (s.nsections+len(sections))*sectionSize; need > s.headerEnd {
		return nil, stubErr("its headers have room for %d more sections, %d are needed",
			(s.headerEnd-s.sectionsAt)/sectionSize-s.nsections, len(sections))
	}
	if s.nsections+len(sections) > 0xffff {
		return nil, errors.New("uki: too many sections")
	}
	header := append([]byte(nil), s.data...)
	im := &Image{header: header}
	rawEnd := alignUp(uint64(len(header)), s.fileAlign)
	virtEnd := s.lastVirtEnd
	var initData uint64
	for i, sec := range sections {
		if sec.Name == "" || len(sec.Name) > 8 {
			return nil, fmt.Errorf("uki: section name %q must have 1 to 8 bytes", sec.Name)
		}
		if s.names[sec.Name] {
			return nil, fmt.Errorf("uki: the stub already has a %s section (is it a UKI already?)", sec.Name)
		}
		s.names[sec.Name] = true
		if sec.Size < 0 || (sec.Size > 0 && sec.Open == nil) {
			return nil, fmt.Errorf("uki: section %s: size %d with no way to open it", sec.Name, sec.Size)
		}
		vsize := max(uint64(sec.Size), uint64(sec.VirtualSize))
		p := placed{Section: sec}
		va := alignUp(virtEnd, s.sectAlign)
		rawSize := alignUp(uint64(sec.Size), s.fileAlign)
		if va+vsize > 0xffffffff || rawEnd+rawSize > 0xffffffff {
			return nil, fmt.Errorf("uki: section %s does not fit in a PE image's 4 GiB", sec.Name)
		}
		p.va, p.vsize, p.rawPtr, p.rawSize = uint32(va), uint32(vsize), uint32(rawEnd), uint32(rawSize)
		if sec.Size == 0 {
			p.rawPtr = 0
		}
		virtEnd = va + vsize
		rawEnd += rawSize
		if !sec.Code {
			initData += vsize
		}
		im.sections = append(im.sections, p)
		h := header[s.sectionsAt+(s.nsections+i)*sectionSize:][:sectionSize]
		clear(h)
		copy(h, sec.Name)
		le.PutUint32(h[8:], p.vsize)
		le.PutUint32(h[12:], p.va)
		le.PutUint32(h[16:], p.rawSize)
		le.PutUint32(h[20:], p.rawPtr)
		flags := uint32(scnMemRead | scnInitData)
		if sec.Code {
			flags = scnMemRead | scnCode
		}
		le.PutUint32(h[36:], flags)
	}
	le.PutUint16(header[s.coff+2:], uint16(s.nsections+len(sections)))
	old := le.Uint32(header[s.opt+8:])
	le.PutUint32(header[s.opt+8:], uint32(min(uint64(old)+initData, 0xffffffff)))
	le.PutUint32(header[s.opt+56:], uint32(alignUp(virtEnd, s.sectAlign)))
	le.PutUint32(header[s.opt+64:], 0) // CheckSum: not checked by EFI, and it would need a second pass
	im.size = int64(rawEnd)
	return im, nil
}

// Size returns the size of the image in bytes: what WriteTo writes.
func (im *Image) Size() int64 { return im.size }

// WriteTo streams the image: the patched stub, then each section's bytes, padded to the file
// alignment. A section that yields more or fewer bytes than its Size is an error.
func (im *Image) WriteTo(w io.Writer) (int64, error) {
	cw := seqio.New(w, "uki")
	if err := cw.Put(im.header); err != nil {
		return cw.N, err
	}
	for _, p := range im.sections {
		if p.Size == 0 {
			continue
		}
		if err := cw.ZerosTo(int64(p.rawPtr)); err != nil {
			return cw.N, err
		}
		if err := copySection(cw, p.Section); err != nil {
			return cw.N, err
		}
	}
	return cw.N, cw.ZerosTo(im.size)
}

// copySection streams exactly sec.Size bytes of sec into w.
func copySection(w io.Writer, sec Section) error {
	rc, err := sec.Open()
	if err != nil {
		return fmt.Errorf("uki: open %s: %w", sec.Name, err)
	}
	defer rc.Close()
	n, err := io.CopyN(w, rc, sec.Size)
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("uki: %s yielded %d bytes, %d declared", sec.Name, n, sec.Size)
	}
	if err != nil {
		return fmt.Errorf("uki: write %s: %w", sec.Name, err)
	}
	var one [1]byte
	if m, _ := io.ReadFull(rc, one[:]); m > 0 {
		return fmt.Errorf("uki: %s is longer than its declared %d bytes", sec.Name, sec.Size)
	}
	return nil
}
