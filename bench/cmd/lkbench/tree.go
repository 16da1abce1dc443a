package main

import (
	"archive/tar"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// fixedTime is the mtime of every generated file (linuxkit's fixed time).
var fixedTime = time.Date(2017, 4, 18, 16, 30, 0, 0, time.UTC)

// genVersion names the generated inputs; bump it when a generator changes
// so cached inputs in the work directory are rebuilt.
const genVersion = "v1"

// treeEntry is one file of the generated tree: a regular file of size
// bytes of kind k, or a symlink when link is set.
type treeEntry struct {
	path string
	size int64
	k    kind
	link string
}

// treeEntries lists an initrd-like tree of about 96 MiB: 3,000 small
// files (mostly text), 120 medium ones and 4 large ones (half binary),
// plus 20 symlinks, in 160 directories.
func treeEntries() []treeEntry {
	r := rand.New(rand.NewChaCha8(seedOf("tree")))
	var es []treeEntry
	for i := 0; i < 3000; i++ {
		k := text
		if i%3 == 2 {
			k = binary
		}
		es = append(es, treeEntry{path: fmt.Sprintf("usr/lib/mod%02d/sub%d/f%04d", i%40, i%3, i), size: 512 + r.Int64N(8<<10), k: k})
	}
	for i := 0; i < 120; i++ {
		es = append(es, treeEntry{path: fmt.Sprintf("usr/share/res%02d/r%03d.dat", i%40, i), size: 64<<10 + r.Int64N(448<<10), k: kind(i % 2)})
	}
	for i := 0; i < 4; i++ {
		es = append(es, treeEntry{path: fmt.Sprintf("opt/big/blob%d", i), size: 12 << 20, k: kind(i % 2)})
	}
	for i := 0; i < 20; i++ {
		es = append(es, treeEntry{path: fmt.Sprintf("usr/bin/tool%02d", i), link: fmt.Sprintf("../lib/mod%02d/sub0/f%04d", i, i*3)})
	}
	return es
}

// makeTree writes the entries under dir (recreated), with fixed mtimes,
// and returns the sum of the file sizes.
func makeTree(dir string) (int64, error) {
	if err := os.RemoveAll(dir); err != nil {
		return 0, err
	}
	var total int64
	for _, e := range treeEntries() {
		p := filepath.Join(dir, e.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return 0, err
		}
		if e.link != "" {
			if err := os.Symlink(e.link, p); err != nil {
				return 0, err
			}
			continue
		}
		if err := writeGenerated(p, e.path, e.k, e.size); err != nil {
			return 0, err
		}
		if err := os.Chtimes(p, fixedTime, fixedTime); err != nil {
			return 0, err
		}
		total += e.size
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		return os.Chtimes(p, fixedTime, fixedTime)
	})
	return total, err
}

// tarTree writes the tree under dir as a tar file at out: entries in
// sorted order, directories first within their parent's walk, owner 0:0,
// fixed mtimes. This is the stream our initrd writer reads.
func tarTree(dir, out string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, dir+string(filepath.Separator)))
		fi, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		h, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return err
		}
		h.Name = rel
		if d.IsDir() {
			h.Name += "/"
		}
		h.Uid, h.Gid, h.Uname, h.Gname = 0, 0, "", ""
		h.ModTime, h.AccessTime, h.ChangeTime = fixedTime, time.Time{}, time.Time{}
		h.Format = tar.FormatPAX
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return nil
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(tw, src)
		return err
	})
	if err != nil {
		return fmt.Errorf("tar %s: %w", dir, err)
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return f.Close()
}

// cached runs build unless the stamp file for name exists in dir, then
// writes the stamp: generated inputs survive between runs.
func cached(dir, name string, build func() error) error {
	stamp := filepath.Join(dir, "."+name+"-"+genVersion+".done")
	if _, err := os.Stat(stamp); err == nil {
		return nil
	}
	if err := build(); err != nil {
		return fmt.Errorf("generate %s: %w", name, err)
	}
	return os.WriteFile(stamp, nil, 0o644)
}
