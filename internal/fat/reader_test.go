package fat

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// readBack is a minimal FAT32 reader for tests: it finds path (8.3 components) from the root
// directory by following cluster chains and returns the file's bytes. It trusts nothing it
// reads: every index is bounds-checked, and chains are cut at the cluster count.
func readBack(img []byte, path string) ([]byte, error) {
	if len(img) < sectorSize {
		return nil, fmt.Errorf("image too small")
	}
	le := binary.LittleEndian
	spc := int64(img[13])
	reserved := int64(le.Uint16(img[14:]))
	fats := int64(img[16])
	fatSectors := int64(le.Uint32(img[36:]))
	if spc == 0 {
		return nil, fmt.Errorf("zero sectors per cluster")
	}
	cb := spc * sectorSize
	fatOff := reserved * sectorSize
	dataOff := (reserved + fats*fatSectors) * sectorSize
	clusters := (int64(len(img)) - dataOff) / cb
	chain := func(first uint32, size int64) ([]byte, error) {
		var out []byte
		c := first
		for i := int64(0); c >= 2 && c < endOfChain-8; i++ {
			if i > clusters || int64(c-2) >= clusters {
				return nil, fmt.Errorf("chain from %d runs past the volume", first)
			}
			off := dataOff + int64(c-2)*cb
			out = append(out, img[off:off+cb]...)
			e := fatOff + int64(c)*4
			if e+4 > dataOff {
				return nil, fmt.Errorf("cluster %d past the FAT", c)
			}
			c = le.Uint32(img[e:]) & 0x0fffffff
		}
		if size >= 0 {
			if int64(len(out)) < size {
				return nil, fmt.Errorf("chain from %d holds %d bytes, size says %d", first, len(out), size)
			}
			out = out[:size]
		}
		return out, nil
	}
	dir, err := chain(le.Uint32(img[44:]), -1)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(path, "/")
	for i, p := range parts {
		name, err := shortName(p)
		if err != nil {
			return nil, err
		}
		var found []byte
		for off := 0; off+dirEntrySize <= len(dir); off += dirEntrySize {
			e := dir[off : off+dirEntrySize]
			if e[0] == 0 {
				break
			}
			if bytes.Equal(e[:11], name[:]) && e[11]&attrVolumeID == 0 {
				found = e
				break
			}
		}
		if found == nil {
			return nil, fmt.Errorf("%s: %q not found", path, p)
		}
		first := uint32(le.Uint16(found[20:]))<<16 | uint32(le.Uint16(found[26:]))
		isDir := found[11]&attrDirectory != 0
		if last := i == len(parts)-1; last != !isDir {
			return nil, fmt.Errorf("%s: %q has the wrong type", path, p)
		}
		if isDir {
			if dir, err = chain(first, -1); err != nil {
				return nil, err
			}
			continue
		}
		return chain(first, int64(le.Uint32(found[28:])))
	}
	return nil, fmt.Errorf("empty path")
}
