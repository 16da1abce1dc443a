package sbom

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime/debug"
)

// buildInfoMagic starts the .go.buildinfo section of every Go binary; the
// section is 16-byte aligned (cmd/link, debug/buildinfo).
var buildInfoMagic = []byte("\xff Go buildinf:")

// buildInfoHeader is the size of the section header: the magic, the
// pointer size, the flags, and padding to 32 bytes.
const buildInfoHeader = 32

// flagVersionInline says the version and module strings follow the header
// as varint-prefixed strings (Go 1.18 and later).
const flagVersionInline = 0x2

// goModules streams an ELF file looking for its Go build information and
// returns the modules it names: the standard library (as "stdlib" at the
// Go version), the main module and every dependency. A file that is not a
// Go binary, or whose build information is older than Go 1.18 or cut
// short, gives none. Only read errors of r are errors.
func goModules(r *bufio.Reader, maxInfo int) ([]Package, error) {
	var off int64 // file offset of the first buffered byte
	for {
		buf, err := r.Peek(r.Size())
		at := alignedMagic(buf, off)
		if at >= 0 {
			if _, derr := r.Discard(at); derr != nil {
				return nil, derr
			}
			off += int64(at)
			hdr, _ := r.Peek(buildInfoHeader)
			if len(hdr) == buildInfoHeader && (hdr[14] == 4 || hdr[14] == 8) && hdr[15]&flagVersionInline != 0 {
				_, _ = r.Discard(buildInfoHeader)
				return readBuildInfo(r, maxInfo)
			}
			_, _ = r.Discard(1)
			off++
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, nil
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				return nil, err
			}
		}
		keep := len(buildInfoMagic) - 1
		if len(buf) <= keep {
			return nil, nil
		}
		n, derr := r.Discard(len(buf) - keep)
		off += int64(n)
		if derr != nil {
			return nil, derr
		}
	}
}

// alignedMagic returns the index in buf of the first buildInfoMagic at a
// 16-byte aligned file offset (buf starts at offset off), or -1.
func alignedMagic(buf []byte, off int64) int {
	for i := 0; i < len(buf); {
		j := bytes.Index(buf[i:], buildInfoMagic)
		if j < 0 {
			return -1
		}
		if (off+int64(i+j))%16 == 0 {
			return i + j
		}
		i += j + 1
	}
	return -1
}

// readBuildInfo reads the two strings after the header and parses them.
func readBuildInfo(r *bufio.Reader, maxInfo int) ([]Package, error) {
	vers, ok := readVarString(r, 256)
	if !ok {
		return nil, nil
	}
	mod, ok := readVarString(r, maxInfo)
	if !ok {
		return nil, nil
	}
	// The module string is framed by two 16-byte sentinels (cmd/go).
	if len(mod) < 33 || mod[len(mod)-17] != '\n' {
		return nil, nil
	}
	info, err := debug.ParseBuildInfo(string(mod[16 : len(mod)-16]))
	if err != nil {
		return nil, nil
	}
	out := []Package{{Name: "stdlib", Version: string(vers)}}
	if info.Main.Path != "" {
		out = append(out, Package{Name: info.Main.Path, Version: info.Main.Version})
	}
	for _, d := range info.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		out = append(out, Package{Name: d.Path, Version: d.Version})
	}
	return out, nil
}

// readVarString reads a uvarint length and that many bytes, at most max.
func readVarString(r *bufio.Reader, max int) ([]byte, bool) {
	n, err := binary.ReadUvarint(r)
	if err != nil || n > uint64(max) {
		return nil, false
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, false
	}
	return b, true
}
