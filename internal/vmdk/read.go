package vmdk

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
)

// createTypeRE finds the descriptor's createType line.
var createTypeRE = regexp.MustCompile(`(?m)^\s*createType\s*=\s*"([^"]*)"`)

// Layout of a hosted sparse extent header (VMware's "Virtual Disk Format
// 1.1"): magic "KDMV", then little-endian fields; these are the offsets of
// the two Subformat reads.
const (
	headerReadSize    = 512
	descOffsetField   = 28 // uint64, in sectors
	descSizeField     = 36 // uint64, in sectors
	maxDescriptorRead = 64 << 10
)

// Subformat returns the createType (MonolithicSparse, StreamOptimized, …) of the vmdk at path, read from the
// descriptor a sparse extent embeds. It reads at most a header and a 64 KiB
// descriptor.
func Subformat(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	hdr := make([]byte, headerReadSize)
	if _, err := io.ReadFull(f, hdr); err != nil {
		return "", fmt.Errorf("%s: reading the vmdk header: %w", path, err)
	}
	if !bytes.Equal(hdr[:4], []byte("KDMV")) {
		if bytes.HasPrefix(hdr, []byte("# Disk DescriptorFile")) {
			return descriptorCreateType(path, hdr)
		}
		return "", fmt.Errorf("%s is not a sparse vmdk (no KDMV magic)", path)
	}
	off := binary.LittleEndian.Uint64(hdr[descOffsetField:])
	size := binary.LittleEndian.Uint64(hdr[descSizeField:])
	if off == 0 || size == 0 {
		return "", fmt.Errorf("%s: the vmdk embeds no descriptor", path)
	}
	if size > maxDescriptorRead/512 {
		size = maxDescriptorRead / 512
	}
	desc := make([]byte, size*512)
	n, err := f.ReadAt(desc, int64(off)*512)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("%s: reading the vmdk descriptor: %w", path, err)
	}
	return descriptorCreateType(path, desc[:n])
}

// descriptorCreateType extracts createType from descriptor text.
func descriptorCreateType(path string, desc []byte) (string, error) {
	if i := bytes.IndexByte(desc, 0); i >= 0 {
		desc = desc[:i]
	}
	m := createTypeRE.FindSubmatch(desc)
	if m == nil {
		return "", fmt.Errorf("%s: the vmdk descriptor has no createType", path)
	}
	return string(m[1]), nil
}
