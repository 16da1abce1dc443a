package rootfs

import (
	"archive/tar"
	"errors"
	"fmt"
	"strings"
)

// files adds the spec's files section, in order, each entry replacing what
// was at its path. Missing parent directories are created with the entry's
// owner and a mode derived from its mode (LinuxKit's rule). Unlike LinuxKit,
// an existing parent directory keeps its metadata: LinuxKit rewrites every
// parent's header, so a file with the default mode 0600 in /etc made /etc
// 0700 once unpacked.
func (ix *indexer) files(g *tree, files []File) error {
	for i, f := range files {
		where := fmt.Sprintf("files[%d] %q", i, f.Path)
		if f.Where != "" {
			where = fmt.Sprintf("%s %q", f.Where, f.Path)
		}
		comps, err := splitClean(f.Path)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if len(comps) == 0 {
			return fmt.Errorf("%s: did not specify path for file", where)
		}
		if f.UID < 0 || f.GID < 0 {
			return fmt.Errorf("%s: negative uid or gid", where)
		}
		mode, dirMode := f.mode()
		n := &node{name: comps[len(comps)-1], mode: mode, uid: f.UID, gid: f.GID, mtime: g.mtime}
		switch {
		case f.Directory:
			n.typ = tar.TypeDir
		case f.Symlink != "":
			if err := checkLink(f.Symlink); err != nil {
				return fmt.Errorf("%s: symlink: %w", where, err)
			}
			n.typ, n.link = tar.TypeSymlink, f.Symlink
		case f.Open != nil:
			rc, size, err := f.Open()
			if err != nil {
				if f.Optional {
					continue
				}
				return fmt.Errorf("%s: source: %w", where, err)
			}
			if err := rc.Close(); err != nil {
				return fmt.Errorf("%s: source: %w", where, err)
			}
			if size < 0 {
				return fmt.Errorf("%s: source: %w", where, errors.New("negative size"))
			}
			n.typ = tar.TypeReg
			ix.seq++
			n.ino = &inode{size: size, layer: -1, open: f.Open, seq: ix.seq}
		default:
			n.typ = tar.TypeReg
			n.ino = dataInode(f.Contents)
		}
		r := resolver{t: g, create: true, mkdir: &node{typ: tar.TypeDir, mode: dirMode, uid: f.UID, gid: f.GID}}
		dir, err := r.dir(g.root, comps[:len(comps)-1])
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if err := g.count(); err != nil {
			return err
		}
		if old := dir.kids[n.name]; old != nil && old.isDir() && !n.isDir() && len(old.kids) > 0 {
			return fmt.Errorf("%s: the images have a directory %s here with %d entries, which this %s would replace "+
				"and lose; write the entry below it (for example %s/<name>), or make it a directory entry", where,
				strings.Join(comps, "/"), len(old.kids), kindOf(n), strings.Join(comps, "/"))
		}
		place(dir, n)
	}
	return nil
}

// kindOf names what a files entry makes, for messages.
func kindOf(n *node) string {
	if n.typ == tar.TypeSymlink {
		return "symlink"
	}
	return "file"
}
