package testrig

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Epoch is the modification time of every fixture file and the images' creation time:
// LinuxKit's fixed build time, so fixture digests never depend on when they were built. It
// repeats internal/epoch.LinuxKit on purpose: testrig imports no package of this module.
var Epoch = time.Date(2017, 4, 18, 16, 30, 0, 0, time.UTC)

// tree is the content of one deterministic layer, keyed by clean relative path. File content
// is either a host path, read at write time so a layer is streamed rather than held, or bytes.
type tree struct {
	entries map[string]treeEntry
}

// treeEntry is one file, directory or symlink of a tree.
type treeEntry struct {
	typeflag byte
	mode     int64
	linkname string
	hostPath string
	data     []byte
}

func newTree() *tree { return &tree{entries: map[string]treeEntry{}} }

// dir adds a directory; parents of every entry are added by writeTo anyway.
func (tr *tree) dir(name string, mode int64) {
	tr.entries[clean(name)] = treeEntry{typeflag: tar.TypeDir, mode: mode}
}

// file adds a regular file whose content is the host file hostPath (symlinks followed).
func (tr *tree) file(name, hostPath string, mode int64) {
	tr.entries[clean(name)] = treeEntry{typeflag: tar.TypeReg, mode: mode, hostPath: hostPath}
}

// blob adds a regular file with the given content.
func (tr *tree) blob(name string, data []byte, mode int64) {
	tr.entries[clean(name)] = treeEntry{typeflag: tar.TypeReg, mode: mode, data: data}
}

// symlink adds a symbolic link to target.
func (tr *tree) symlink(name, target string) {
	tr.entries[clean(name)] = treeEntry{typeflag: tar.TypeSymlink, mode: 0o777, linkname: target}
}

func clean(name string) string { return strings.TrimPrefix(path.Clean("/"+name), "/") }

// writeTo writes the tree as a tar stream: missing parent directories added (0755), entries in
// lexical order, root-owned, every time Epoch. The same tree always gives the same bytes.
func (tr *tree) writeTo(w io.Writer) error { return tr.writeTar(w, "") }

// writeTar is writeTo with every name prefixed. The prefix "./" also writes a "./" entry first,
// the way `tar cf x.tar .` does (linuxkit's kernel.tar looks like that).
func (tr *tree) writeTar(w io.Writer, prefix string) error {
	all := map[string]treeEntry{}
	for name, e := range tr.entries {
		all[name] = e
		for p := path.Dir(name); p != "." && p != "/"; p = path.Dir(p) {
			if _, ok := all[p]; !ok {
				if _, own := tr.entries[p]; !own {
					all[p] = treeEntry{typeflag: tar.TypeDir, mode: 0o755}
				}
			}
		}
	}
	names := make([]string, 0, len(all))
	for name := range all {
		names = append(names, name)
	}
	sort.Strings(names)
	tw := tar.NewWriter(w)
	if prefix == "./" {
		names = append([]string{"."}, names...)
		all["."] = treeEntry{typeflag: tar.TypeDir, mode: 0o755}
	}
	for _, name := range names {
		if err := writeEntry(tw, prefix, name, all[name]); err != nil {
			return fmt.Errorf("layer entry %s: %w", name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("close layer tar: %w", err)
	}
	return nil
}

// writeEntry writes one header and, for a file, its content.
func writeEntry(tw *tar.Writer, prefix, name string, e treeEntry) error {
	if name == "." {
		name = ""
	}
	hdr := &tar.Header{
		Typeflag: e.typeflag,
		Name:     prefix + name,
		Linkname: e.linkname,
		Mode:     e.mode,
		ModTime:  Epoch,
		Format:   tar.FormatPAX,
	}
	if e.typeflag == tar.TypeDir && !strings.HasSuffix(hdr.Name, "/") {
		hdr.Name += "/"
	}
	var src io.Reader
	switch {
	case e.typeflag != tar.TypeReg:
	case e.hostPath != "":
		f, err := os.Open(e.hostPath)
		if err != nil {
			return fmt.Errorf("open host file: %w", err)
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return fmt.Errorf("stat host file: %w", err)
		}
		hdr.Size = fi.Size()
		src = io.LimitReader(f, hdr.Size)
	default:
		hdr.Size = int64(len(e.data))
		src = bytes.NewReader(e.data)
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	if src != nil {
		if n, err := io.Copy(tw, src); err != nil {
			return fmt.Errorf("copy content: %w", err)
		} else if n != hdr.Size {
			return fmt.Errorf("content changed while reading: %d of %d bytes", n, hdr.Size)
		}
	}
	return nil
}

// layer turns the tree into a gzip layer of media type mt. The tar is produced on demand
// through a pipe; the compressed bytes are cached once computed, because fixtures are pushed
// many times per test process and recompressing a 14 MB kernel each time would dominate.
func (tr *tree) layer(mt types.MediaType) (v1.Layer, error) {
	opener := func() (io.ReadCloser, error) {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(tr.writeTo(pw)) }()
		return pr, nil
	}
	l, err := tarball.LayerFromOpener(opener, tarball.WithMediaType(mt), tarball.WithCompressedCaching)
	if err != nil {
		return nil, fmt.Errorf("build layer: %w", err)
	}
	return l, nil
}
