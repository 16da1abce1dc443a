package rootfs

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

const (
	whiteoutPrefix = ".wh."
	whiteoutMeta   = ".wh..wh."
	whiteoutOpaque = ".wh..wh..opq"
	capsRecord     = "SCHILY.xattr.security.capability"
	// apkDB is the apk installed database, united across init images.
	apkDB = "lib/apk/db/installed"
	// maxAPKDB bounds the apk database held in memory.
	maxAPKDB = 64 << 20
)

// indexer reads layers (headers only) into trees and numbers the layers,
// so that the writer can find each file's bytes again.
type indexer struct {
	ctx    context.Context
	layers []v1.Layer
	nodes  int
	mtime  int64
	seq    int // numbers streamed sources in plan order
}

// flattenOpts says how entries of one image are read.
type flattenOpts struct {
	whiteouts bool // apply .wh. files (false inside kernel.tar)
	apk       bool // keep the bytes of lib/apk/db/installed (init images)
}

// flatten applies the image's layers in order onto a new tree, as a
// container runtime does.
func (ix *indexer) flatten(where string, img v1.Image, opts flattenOpts) (*tree, error) {
	t := newTree(&ix.nodes, ix.mtime)
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("%s: listing layers: %w", where, err)
	}
	for li, l := range layers {
		id := len(ix.layers)
		ix.layers = append(ix.layers, l)
		rc, err := openLayer(l)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", where, layerName(li, l), err)
		}
		err = ix.readTar(t, rc, id, -1, li+1, opts)
		if err == nil {
			// Drain trailing bytes so a verifying reader checks the digest.
			_, err = io.Copy(io.Discard, rc)
		}
		if cerr := rc.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", where, layerName(li, l), err)
		}
	}
	return t, nil
}

// layerName names a layer in error messages.
func layerName(i int, l v1.Layer) string {
	if d, err := l.DiffID(); err == nil {
		return fmt.Sprintf("layer %d (%s)", i, d)
	}
	return fmt.Sprintf("layer %d", i)
}

// readTar applies every entry of a tar stream to t. Layer id and, for a tar
// nested in entry outer of that layer, the sub-entry numbers locate the
// file contents for the writer; gen is the layer's generation for opaque
// whiteouts.
func (ix *indexer) readTar(t *tree, r io.Reader, id, outer, gen int, opts flattenOpts) error {
	tr := tar.NewReader(r)
	for e := 0; ; e++ {
		if err := ix.ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading entry %d: %w", e, err)
		}
		loc := inode{size: hdr.Size, layer: id, entry: e, sub: -1}
		if outer >= 0 {
			loc.entry, loc.sub = outer, e
		}
		if err := apply(t, hdr, tr, loc, gen, opts); err != nil {
			return fmt.Errorf("entry %d %q: %w", e, hdr.Name, err)
		}
	}
}

// apply adds one tar entry to t.
func apply(t *tree, hdr *tar.Header, body io.Reader, loc inode, gen int, opts flattenOpts) error {
	comps, err := splitClean(hdr.Name)
	if err != nil {
		return err
	}
	if len(comps) == 0 {
		if hdr.Typeflag == tar.TypeDir {
			return nil // the root's own metadata is ours
		}
		return errors.New("entry would replace the root directory")
	}
	base := comps[len(comps)-1]
	if opts.whiteouts && strings.HasPrefix(base, whiteoutPrefix) {
		return whiteout(t, comps, gen)
	}
	if hdr.Uid < 0 || hdr.Gid < 0 {
		return errors.New("negative uid or gid")
	}
	n := &node{
		name: base, mode: hdr.Mode & 07777, uid: hdr.Uid, gid: hdr.Gid,
		mtime: hdr.ModTime.Unix(), gen: gen, caps: hdr.PAXRecords[capsRecord],
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		n.typ = tar.TypeDir
	case tar.TypeReg, tar.TypeCont, tar.TypeGNUSparse:
		if sparse(hdr) {
			// A few bytes can claim exabytes of holes; the OCI image spec
			// says layers should not hold sparse files.
			return errors.New("sparse files are not supported in layers")
		}
		n.typ = tar.TypeReg
		ino := loc
		n.ino = &ino
		if opts.apk && joinPath(comps) == apkDB {
			if ino.data, err = readSmall(body, maxAPKDB); err != nil {
				return fmt.Errorf("apk database: %w", err)
			}
		}
	case tar.TypeSymlink:
		if err := checkLink(hdr.Linkname); err != nil {
			return fmt.Errorf("symlink target: %w", err)
		}
		n.typ, n.link = tar.TypeSymlink, hdr.Linkname
	case tar.TypeLink:
		if n, err = hardlink(t, base, hdr.Linkname, gen); err != nil {
			return err
		}
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		n.typ, n.major, n.minor = hdr.Typeflag, hdr.Devmajor, hdr.Devminor
	case tar.TypeXGlobalHeader:
		return nil
	default:
		return fmt.Errorf("unsupported entry type %q", hdr.Typeflag)
	}
	r := resolver{t: t, create: true, gen: gen}
	dir, err := r.dir(t.root, comps[:len(comps)-1])
	if err != nil {
		return err
	}
	if dir.depth >= maxDepth {
		return errTooDeep
	}
	if err := t.count(); err != nil {
		return err
	}
	place(dir, n)
	return nil
}

// whiteout applies a .wh. entry: remove a name, or hide what lower layers
// put in a directory. Whiteouts never create anything; one whose directory
// does not resolve has nothing to remove.
func whiteout(t *tree, comps []string, gen int) error {
	base := comps[len(comps)-1]
	name := strings.TrimPrefix(base, whiteoutPrefix)
	meta := strings.HasPrefix(base, whiteoutMeta)
	if !meta && !validComponent(name) {
		return fmt.Errorf("invalid whiteout %q", base)
	}
	r := resolver{t: t}
	dir, err := r.dir(t.root, comps[:len(comps)-1])
	if err != nil {
		return nil
	}
	switch {
	case base == whiteoutOpaque:
		opaque(dir, gen)
	case meta:
		// other AUFS metadata (.wh..wh.plnk, ...): not part of the filesystem
	default:
		delete(dir.kids, name)
	}
	return nil
}

// hardlink makes the node for a hardlink named base to target: the target
// must already exist in this image and not be a directory. A regular file
// shares its inode; other types are copied (they have no contents).
func hardlink(t *tree, base, target string, gen int) (*node, error) {
	comps, err := splitClean(target)
	if err != nil {
		return nil, fmt.Errorf("hardlink target %q: %w", target, err)
	}
	if len(comps) == 0 {
		return nil, errors.New("hardlink to the root directory")
	}
	r := resolver{t: t}
	dir, name, err := r.parent(comps)
	var old *node
	switch {
	case errors.Is(err, errNotFound):
	case err != nil:
		return nil, fmt.Errorf("hardlink target %q: %w", target, err)
	default:
		old = dir.kids[name]
	}
	switch {
	case old == nil:
		return nil, fmt.Errorf("hardlink target %q does not exist (hardlinks must follow their target in the same image)", target)
	case old.isDir():
		return nil, fmt.Errorf("hardlink target %q is a directory", target)
	}
	n := old.clone(base)
	n.gen = gen
	return n, nil
}

// sparse reports whether an entry is a GNU sparse file (old GNU or PAX).
func sparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// checkLink validates a symlink target (kept verbatim).
func checkLink(s string) error {
	switch {
	case s == "":
		return errors.New("empty")
	case len(s) > maxPath:
		return errTooLong
	case strings.IndexByte(s, 0) >= 0:
		return errNUL
	}
	return nil
}

// readSmall reads all of r, failing beyond max bytes.
func readSmall(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("larger than %d bytes", max)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// dropDevices removes character and block devices below n: bundle and
// volume images get /dev from the runtime, and a device node elsewhere in a
// container image is a way around the device cgroup.
func dropDevices(n *node) {
	for name, c := range n.kids {
		switch c.typ {
		case tar.TypeChar, tar.TypeBlock:
			delete(n.kids, name)
		case tar.TypeDir:
			dropDevices(c)
		}
	}
}
