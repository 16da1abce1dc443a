package initrd

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strings"
)

// copyTar converts every tar entry and closes the cpio writer (writing its trailer).
func copyTar(cw *CPIOWriter, tarStream io.Reader, boot func(*tar.Header, io.Reader) error) error {
	tr := tar.NewReader(bufio.NewReaderSize(tarStream, 64<<10))
	for {
		th, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("initrd: read tar: %w", err)
		}
		if th.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		name, err := cleanName(th.Name)
		if err != nil {
			return err
		}
		if boot != nil && strings.HasPrefix(name, "boot/") {
			if err := boot(th, tr); err != nil {
				return fmt.Errorf("initrd: boot entry %s: %w", name, err)
			}
			continue
		}
		h, err := cpioHeader(name, th)
		if err != nil {
			return err
		}
		if err := cw.WriteHeader(h); err != nil {
			return fmt.Errorf("initrd: %w", err)
		}
		if h.Mode&typeMask == TypeReg && h.Size > 0 {
			n, err := io.Copy(cw, tr)
			if err != nil {
				return fmt.Errorf("initrd: copy %s: %w", name, err)
			}
			if n != h.Size {
				return fmt.Errorf("initrd: %s: tar entry has %d bytes, header says %d", name, n, h.Size)
			}
		}
	}
	if err := cw.Close(); err != nil {
		return fmt.Errorf("initrd: %w", err)
	}
	return nil
}

// cpioHeader maps a tar header to the cpio entry linuxkit would write for it.
func cpioHeader(name string, th *tar.Header) (*Header, error) {
	h := &Header{Name: name, Mode: uint32(th.Mode) & permMask, ModTime: clampTime(th.ModTime.Unix())}
	if th.Uid < 0 || int64(th.Uid) > math.MaxUint32 || th.Gid < 0 || int64(th.Gid) > math.MaxUint32 {
		return nil, fmt.Errorf("initrd: %s: uid/gid %d/%d out of range", name, th.Uid, th.Gid)
	}
	h.UID, h.GID = uint32(th.Uid), uint32(th.Gid)
	switch th.Typeflag {
	case tar.TypeReg: // archive/tar already maps the legacy TypeRegA to TypeReg or TypeDir
		h.Mode |= TypeReg
		h.Size = th.Size
	case tar.TypeDir:
		h.Mode |= TypeDir
	case tar.TypeSymlink:
		h.Mode |= TypeSymlink
		h.Linkname = th.Linkname
	case tar.TypeLink:
		// linuxkit turns a hardlink into a relative symlink: a cpio hardlink would need the
		// data on the last link and an inode shared with the target.
		target, err := cleanName(th.Linkname)
		if err != nil {
			return nil, fmt.Errorf("initrd: hardlink %s: %w", name, err)
		}
		h.Mode |= TypeSymlink
		h.Linkname = relativeTo(path.Dir(name), target)
	case tar.TypeChar, tar.TypeBlock:
		if th.Typeflag == tar.TypeChar {
			h.Mode |= TypeChar
		} else {
			h.Mode |= TypeBlock
		}
		if th.Devmajor < 0 || th.Devmajor > math.MaxUint32 || th.Devminor < 0 || th.Devminor > math.MaxUint32 {
			return nil, fmt.Errorf("initrd: %s: device %d,%d out of range", name, th.Devmajor, th.Devminor)
		}
		h.RDevMajor, h.RDevMinor = uint32(th.Devmajor), uint32(th.Devminor)
	case tar.TypeFifo:
		h.Mode |= TypeFifo
	default:
		return nil, fmt.Errorf("initrd: %s: tar entry type %q cannot go into an initrd", name, th.Typeflag)
	}
	return h, nil
}

// cleanName turns a tar path ("./etc/", "/etc/hosts") into the archive's form ("etc",
// "etc/hosts"). The root itself is "."; ".." cannot climb above the root.
func cleanName(name string) (string, error) {
	if name == "" {
		return "", errors.New("initrd: tar entry with an empty name")
	}
	n := path.Clean("/" + name)
	if n == "/" {
		return ".", nil
	}
	n = n[1:]
	if strings.IndexByte(n, 0) >= 0 {
		return "", fmt.Errorf("initrd: tar name %q contains a NUL byte", name)
	}
	return n, nil
}

// relativeTo returns target as a path relative to dir (both relative to the archive root
// and clean), the way filepath.Rel does, but always with "/" so the result is the same on
// every host OS.
func relativeTo(dir, target string) string {
	split := func(p string) []string {
		if p == "." {
			return nil
		}
		return strings.Split(p, "/")
	}
	d, t := split(dir), split(target)
	i := 0
	for i < len(d) && i < len(t) && d[i] == t[i] {
		i++
	}
	parts := make([]string, 0, len(d)-i+len(t)-i)
	for range d[i:] {
		parts = append(parts, "..")
	}
	parts = append(parts, t[i:]...)
	if len(parts) == 0 {
		return "."
	}
	return strings.Join(parts, "/")
}

// clampTime fits a Unix time into newc's unsigned 32-bit field: times before 1970 become 0
// and times after 2106 the maximum.
func clampTime(t int64) uint32 {
	switch {
	case t < 0:
		return 0
	case t > math.MaxUint32:
		return math.MaxUint32
	}
	return uint32(t)
}
