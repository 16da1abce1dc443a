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
	ctx      context.Context
	layers   []v1.Layer
	listings []*layerListing // by layer id, as layers
	cache    IndexCache      // nil: every layer is read
	nodes    int
	mtime    int64
	seq      int // numbers streamed sources in plan order
}

// layerListing is what indexing read of one layer: its records, in entry
// order, and whether they came from the IndexCache (then the write pass
// checks them against the layer and reads it to its end).
type layerListing struct {
	recs   []record
	cached bool
	key    string         // the IndexCache key of a cached listing (the layer digest)
	nested *nestedListing // kernel.tar, when this is the kernel's layer holding it
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
		if err := ix.layer(t, l, li+1, opts); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", where, layerName(li, l), err)
		}
	}
	return t, nil
}

// layer numbers l and applies its entries to t, generation gen: from the
// IndexCache's listing when it has one, else by reading the layer's headers
// (the listing is then kept for the next build).
func (ix *indexer) layer(t *tree, l v1.Layer, gen int, opts flattenOpts) error {
	id := len(ix.layers)
	ix.layers = append(ix.layers, l)
	ll := &layerListing{}
	ix.listings = append(ix.listings, ll)
	key := ""
	if ix.cache != nil {
		if d, err := l.Digest(); err == nil && d.Algorithm == "sha256" {
			key = d.String()
		}
	}
	if key != "" {
		recs, err := loadListing(ix.cache, key, opts.apk)
		if err != nil {
			return err
		}
		if recs != nil {
			ll.recs, ll.cached, ll.key = recs, true, key
			for e := range recs {
				if e%1024 == 0 {
					if err := ix.ctx.Err(); err != nil {
						return err
					}
				}
				loc := inode{size: recs[e].Size, layer: id, entry: e, sub: -1}
				if err := apply(t, &recs[e], nil, loc, gen, opts); err != nil {
					return fmt.Errorf("entry %d %q: %w", e, recs[e].Name, err)
				}
			}
			return nil
		}
	}
	rc, err := openLayer(l)
	if err != nil {
		return err
	}
	ll.recs, err = ix.readTar(t, rc, id, -1, gen, opts)
	if err == nil {
		// Drain trailing bytes so a verifying reader checks the digest.
		_, err = io.Copy(io.Discard, rc)
	}
	if cerr := rc.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil && key != "" {
		err = storeListing(ix.cache, key, ll.recs)
	}
	return err
}

// layerName names a layer in error messages.
func layerName(i int, l v1.Layer) string {
	if d, err := l.DiffID(); err == nil {
		return fmt.Sprintf("layer %d (%s)", i, d)
	}
	return fmt.Sprintf("layer %d", i)
}

// readTar applies every entry of a tar stream to t and returns their
// records. Layer id and, for a tar nested in entry outer of that layer, the
// sub-entry numbers locate the file contents for the writer; gen is the
// layer's generation for opaque whiteouts.
func (ix *indexer) readTar(t *tree, r io.Reader, id, outer, gen int, opts flattenOpts) ([]record, error) {
	tr := tar.NewReader(r)
	recs := []record{}
	for e := 0; ; e++ {
		if err := ix.ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return recs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading entry %d: %w", e, err)
		}
		loc := inode{size: hdr.Size, layer: id, entry: e, sub: -1}
		if outer >= 0 {
			loc.entry, loc.sub = outer, e
		}
		recs = append(recs, recordOf(hdr))
		if err := apply(t, &recs[len(recs)-1], tr, loc, gen, opts); err != nil {
			return nil, fmt.Errorf("entry %d %q: %w", e, hdr.Name, err)
		}
	}
}

// errNoBody means a cached listing claimed a layer holds no apk database,
// yet it names one: the listing does not describe the layer.
var errNoBody = errors.New("the cached listing of this layer does not match it (it names an apk database it said was not there)")

// apply adds one tar entry to t. body is the entry's contents, read only
// for the apk database; it is nil for a cached listing, which is never used
// for an init image whose layer holds one.
func apply(t *tree, hdr *record, body io.Reader, loc inode, gen int, opts flattenOpts) error {
	comps, err := splitClean(hdr.Name)
	if err != nil {
		return err
	}
	if len(comps) == 0 {
		if hdr.Type == tar.TypeDir {
			return nil // the root's own metadata is ours
		}
		return errors.New("entry would replace the root directory")
	}
	base := comps[len(comps)-1]
	if opts.whiteouts && strings.HasPrefix(base, whiteoutPrefix) {
		return whiteout(t, comps, gen)
	}
	if hdr.UID < 0 || hdr.GID < 0 {
		return errors.New("negative uid or gid")
	}
	n := &node{
		name: base, mode: hdr.Mode & 07777, uid: hdr.UID, gid: hdr.GID,
		mtime: hdr.MTime, gen: gen, caps: hdr.Caps,
	}
	switch hdr.Type {
	case tar.TypeDir:
		n.typ = tar.TypeDir
	case tar.TypeReg, tar.TypeCont, tar.TypeGNUSparse:
		if hdr.Sparse {
			// A few bytes can claim exabytes of holes; the OCI image spec
			// says layers should not hold sparse files.
			return errors.New("sparse files are not supported in layers")
		}
		n.typ = tar.TypeReg
		ino := loc
		n.ino = &ino
		if opts.apk && joinPath(comps) == apkDB {
			if body == nil {
				return errNoBody
			}
			if ino.data, err = readSmall(body, maxAPKDB); err != nil {
				return fmt.Errorf("apk database: %w", err)
			}
		}
	case tar.TypeSymlink:
		if err := checkLink(hdr.Link); err != nil {
			return fmt.Errorf("symlink target: %w", err)
		}
		n.typ, n.link = tar.TypeSymlink, hdr.Link
	case tar.TypeLink:
		if n, err = hardlink(t, base, hdr.Link, gen); err != nil {
			return err
		}
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		n.typ, n.major, n.minor = hdr.Type, hdr.Major, hdr.Minor
	case tar.TypeXGlobalHeader:
		return nil
	default:
		return fmt.Errorf("unsupported entry type %q", hdr.Type)
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
