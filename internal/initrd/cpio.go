package initrd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// File type bits of a cpio mode (the S_IFMT part of st_mode). Header.Mode carries exactly one
// of them plus the permission bits.
const (
	TypeFifo    uint32 = 0o010000 // named pipe
	TypeChar    uint32 = 0o020000 // character device
	TypeDir     uint32 = 0o040000 // directory
	TypeBlock   uint32 = 0o060000 // block device
	TypeReg     uint32 = 0o100000 // regular file
	TypeSymlink uint32 = 0o120000 // symbolic link
	TypeSocket  uint32 = 0o140000 // unix socket
	typeMask    uint32 = 0o170000
	permMask    uint32 = 0o007777
)

const (
	newcMagic     = "070701"
	newcHeaderLen = 110
	trailerName   = "TRAILER!!!"
)

// Header describes one entry of a newc cpio archive. It is the writer's input, in the terms
// the kernel's initramfs unpacker uses.
type Header struct {
	// Name is the path inside the archive, relative, with "/" separators (e.g. "etc/hosts").
	Name string
	// Mode is one Type* constant ORed with the permission bits (including setuid, setgid and
	// sticky), e.g. TypeReg|0o644.
	Mode uint32
	// UID and GID own the entry.
	UID, GID uint32
	// NLink is the link count; 0 means 2 for a directory and 1 for anything else.
	NLink uint32
	// ModTime is the modification time in seconds since the Unix epoch.
	ModTime uint32
	// Size is the number of data bytes that follow: the file's length for a regular file.
	// For a symlink it is ignored: the data is Linkname.
	Size int64
	// RDevMajor and RDevMinor are the device numbers of a character or block device.
	RDevMajor, RDevMinor uint32
	// Linkname is a symlink's target; the writer stores it as the entry's data.
	Linkname string
}

// CPIOWriter writes a newc ("070701") cpio archive, the format the Linux kernel unpacks into
// its initramfs. Call WriteHeader for each entry, Write its data, and Close to append the
// trailer. Inode numbers are assigned in order starting at 1, so equal input gives equal bytes.
// A CPIOWriter is not safe for concurrent use.
type CPIOWriter struct {
	w         *bufio.Writer
	ino       uint32
	remaining int64 // data bytes the current entry still expects
	pad       int   // zero bytes that follow the current entry's data
	closed    bool
	err       error // sticky: once writing failed, the archive is unusable
}

// NewCPIOWriter returns a CPIOWriter that writes the archive to w. It buffers its output:
// nothing is guaranteed to reach w before Close. Close does not close w.
func NewCPIOWriter(w io.Writer) *CPIOWriter {
	return &CPIOWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

// WriteHeader starts a new entry. The previous entry must have received exactly its Size
// bytes. A symlink's target is written here, from h.Linkname.
func (cw *CPIOWriter) WriteHeader(h *Header) error {
	if err := cw.usable(); err != nil {
		return err
	}
	if cw.remaining != 0 {
		return fmt.Errorf("cpio: %d bytes of the previous entry's data missing", cw.remaining)
	}
	if err := validateHeader(h); err != nil {
		return err
	}
	size := h.Size
	if h.Mode&typeMask == TypeSymlink {
		size = int64(len(h.Linkname))
	}
	nlink := h.NLink
	if nlink == 0 {
		nlink = 1
		if h.Mode&typeMask == TypeDir {
			nlink = 2
		}
	}
	if cw.ino == math.MaxUint32 {
		return errors.New("cpio: too many entries for 32-bit inode numbers")
	}
	cw.ino++
	if err := cw.writeRecord(cw.ino, h.Mode, h.UID, h.GID, nlink, h.ModTime, uint32(size),
		h.RDevMajor, h.RDevMinor, h.Name); err != nil {
		return err
	}
	cw.remaining = size
	cw.pad = padLen(size)
	if h.Mode&typeMask == TypeSymlink {
		if _, err := cw.Write([]byte(h.Linkname)); err != nil {
			return err
		}
	}
	if cw.remaining == 0 {
		return cw.writePad()
	}
	return nil
}

// Write writes data of the current entry. Writing more than the header's Size is an error.
func (cw *CPIOWriter) Write(p []byte) (int, error) {
	if err := cw.usable(); err != nil {
		return 0, err
	}
	if int64(len(p)) > cw.remaining {
		return 0, fmt.Errorf("cpio: write of %d bytes exceeds the entry's remaining %d", len(p), cw.remaining)
	}
	n, err := cw.w.Write(p)
	cw.remaining -= int64(n)
	if err != nil {
		cw.err = fmt.Errorf("cpio: write data: %w", err)
		return n, cw.err
	}
	if cw.remaining == 0 {
		if err := cw.writePad(); err != nil {
			return n, err
		}
	}
	return n, nil
}

// Close writes the TRAILER!!! record and flushes the buffered archive to the underlying
// writer, which it does not close. The last entry must be complete.
func (cw *CPIOWriter) Close() error {
	if cw.closed {
		return cw.err
	}
	if err := cw.usable(); err != nil {
		return err
	}
	if cw.remaining != 0 {
		return fmt.Errorf("cpio: close with %d bytes of the last entry's data missing", cw.remaining)
	}
	cw.closed = true
	if err := cw.writeRecord(0, 0, 0, 0, 1, 0, 0, 0, 0, trailerName); err != nil {
		return err
	}
	if err := cw.w.Flush(); err != nil {
		cw.err = fmt.Errorf("cpio: flush: %w", err)
		return cw.err
	}
	return nil
}

func (cw *CPIOWriter) usable() error {
	if cw.err != nil {
		return cw.err
	}
	if cw.closed {
		return errors.New("cpio: writer is closed")
	}
	return nil
}

// writeRecord writes one newc header, its NUL-terminated name and the padding that aligns
// the data that follows to 4 bytes.
func (cw *CPIOWriter) writeRecord(ino, mode, uid, gid, nlink, mtime, size, rmaj, rmin uint32, name string) error {
	var hdr [newcHeaderLen]byte
	copy(hdr[:], newcMagic)
	fields := [13]uint32{ino, mode, uid, gid, nlink, mtime, size,
		0, 0, // devmajor, devminor: the device holding the file, meaningless here
		rmaj, rmin, uint32(len(name) + 1), 0 /* check: only used by the "070702" format */}
	for i, v := range fields {
		putHex8(hdr[6+8*i:], v)
	}
	if _, err := cw.w.Write(hdr[:]); err != nil {
		cw.err = fmt.Errorf("cpio: write header of %q: %w", name, err)
		return cw.err
	}
	if _, err := cw.w.WriteString(name); err != nil {
		cw.err = fmt.Errorf("cpio: write name %q: %w", name, err)
		return cw.err
	}
	var zeros [4]byte
	if _, err := cw.w.Write(zeros[:1+padLen(newcHeaderLen+int64(len(name))+1)]); err != nil {
		cw.err = fmt.Errorf("cpio: write name %q: %w", name, err)
		return cw.err
	}
	return nil
}

func (cw *CPIOWriter) writePad() error {
	var zeros [4]byte
	if _, err := cw.w.Write(zeros[:cw.pad]); err != nil {
		cw.err = fmt.Errorf("cpio: write padding: %w", err)
		return cw.err
	}
	cw.pad = 0
	return nil
}

func validateHeader(h *Header) error {
	if h == nil {
		return errors.New("cpio: nil header")
	}
	if h.Name == "" {
		return errors.New("cpio: empty name")
	}
	if strings.IndexByte(h.Name, 0) >= 0 {
		return fmt.Errorf("cpio: name %q contains a NUL byte", h.Name)
	}
	if h.Name == trailerName {
		return fmt.Errorf("cpio: name %q is reserved for the trailer", h.Name)
	}
	if len(h.Name)+1 > math.MaxUint32 {
		return fmt.Errorf("cpio: name of %d bytes is too long", len(h.Name))
	}
	switch h.Mode & typeMask {
	case TypeReg:
		if h.Size < 0 || h.Size > math.MaxUint32 {
			return fmt.Errorf("cpio: %s: size %d does not fit the newc format (max 4 GiB - 1)", h.Name, h.Size)
		}
	case TypeSymlink:
		if h.Linkname == "" {
			return fmt.Errorf("cpio: %s: symlink without a target", h.Name)
		}
		if len(h.Linkname) > math.MaxUint32 {
			return fmt.Errorf("cpio: %s: symlink target too long", h.Name)
		}
	case TypeDir, TypeChar, TypeBlock, TypeFifo, TypeSocket:
		if h.Size != 0 {
			return fmt.Errorf("cpio: %s: only regular files and symlinks carry data (size %d)", h.Name, h.Size)
		}
	default:
		return fmt.Errorf("cpio: %s: mode %#o has no valid file type", h.Name, h.Mode)
	}
	if h.Mode&^(typeMask|permMask) != 0 {
		return fmt.Errorf("cpio: %s: mode %#o has unknown bits", h.Name, h.Mode)
	}
	return nil
}

// padLen is the number of zero bytes that bring n up to a multiple of 4.
func padLen(n int64) int { return int((4 - n%4) % 4) }

func putHex8(dst []byte, v uint32) {
	const digits = "0123456789ABCDEF"
	for i := 7; i >= 0; i-- {
		dst[i] = digits[v&0xf]
		v >>= 4
	}
}
