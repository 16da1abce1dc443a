package rootfs

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/gzip"
)

// kernel lays out the kernel image as LinuxKit does: the binary becomes
// boot/kernel, the cmdline boot/cmdline, the microcode boot/ucode.cpio, and
// the tarball (modules) is unpacked at /. Nothing else of the image is used.
func (ix *indexer) kernel(g *tree, k *Kernel) error {
	kt, err := ix.flatten("kernel", k.Image, flattenOpts{whiteouts: true})
	if err != nil {
		return err
	}
	bin, err := regularFile(kt, k.binary())
	if err != nil {
		return fmt.Errorf("kernel: did not find kernel %q in kernel image: %w", k.binary(), err)
	}
	var ucode *node
	if k.UCode != "" {
		if ucode, err = regularFile(kt, k.UCode); err != nil {
			return fmt.Errorf("kernel: did not find ucode %q in kernel image: %w", k.UCode, err)
		}
	}
	if name := k.tarball(); name != "" {
		tn, err := regularFile(kt, name)
		if err != nil {
			return fmt.Errorf("kernel: did not find kernel tar %q in kernel image: %w", name, err)
		}
		mods, err := ix.nestedTar(tn.ino)
		if err != nil {
			return fmt.Errorf("kernel: %s: %w", name, err)
		}
		graft(g.root, mods.root)
	}
	boot, err := setDirs(g, []string{"boot"})
	if err != nil {
		return fmt.Errorf("kernel: %w", err)
	}
	files := []*node{
		{name: "cmdline", typ: tar.TypeReg, mode: 0644, ino: dataInode([]byte(k.Cmdline))},
		{name: "kernel", typ: tar.TypeReg, mode: bin.mode, ino: bin.ino},
	}
	if ucode != nil {
		files = append(files, &node{name: "ucode.cpio", typ: tar.TypeReg, mode: ucode.mode, ino: ucode.ino})
	}
	for _, n := range files {
		n.mtime = g.mtime
		if err := g.count(); err != nil {
			return err
		}
		place(boot, n)
	}
	return nil
}

// regularFile finds a regular file by path in a flattened image, following
// symlinks inside the image.
func regularFile(t *tree, name string) (*node, error) {
	comps, err := splitClean(name)
	if err != nil {
		return nil, err
	}
	r := resolver{t: t}
	n, err := r.follow(comps)
	switch {
	case err != nil:
		return nil, err
	case n == nil:
		return nil, errNotFound
	case n.typ != tar.TypeReg:
		return nil, errors.New("not a regular file")
	}
	return n, nil
}

// nestedTar indexes the tar archive stored in a layer entry (kernel.tar).
// It is a plain archive, not a layer: .wh. names are ordinary files. Its
// listing is kept in the IndexCache as a layer's is, and checked the same
// way when the layer is streamed.
func (ix *indexer) nestedTar(ino *inode) (*tree, error) {
	if !ino.inLayer() || ino.sub >= 0 {
		return nil, errors.New("not a file of a layer")
	}
	ll := ix.listings[ino.layer]
	nl := &nestedListing{entry: ino.entry}
	t := newTree(&ix.nodes, ix.mtime)
	if ix.cache != nil {
		if d, err := ix.layers[ino.layer].Digest(); err == nil && d.Algorithm == "sha256" {
			nl.key = nestedKey(d, ino.entry, ino.size)
		}
	}
	if nl.key != "" {
		recs, err := loadListing(ix.cache, nl.key, false)
		if err != nil {
			return nil, err
		}
		if recs != nil {
			nl.recs, nl.cached = recs, true
			ll.nested = nl
			for s := range recs {
				loc := inode{size: recs[s].Size, layer: ino.layer, entry: ino.entry, sub: s}
				if err := apply(t, &recs[s], nil, loc, 1, flattenOpts{}); err != nil {
					return nil, fmt.Errorf("entry %d %q: %w", s, recs[s].Name, err)
				}
			}
			return t, nil
		}
	}
	rc, body, err := openEntry(ix.layers[ino.layer], ino.entry, ino.size)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	r, err := maybeGunzip(body)
	if err != nil {
		return nil, err
	}
	if nl.recs, err = ix.readTar(t, r, ino.layer, ino.entry, 1, flattenOpts{}); err != nil {
		return nil, err
	}
	ll.nested = nl
	if nl.key != "" {
		if err := storeListing(ix.cache, nl.key, nl.recs); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// nestedListing is the listing of the tar stored in entry entry of a layer
// (kernel.tar), under key in the IndexCache ("" without one).
type nestedListing struct {
	entry  int
	key    string
	recs   []record
	cached bool
}

// nestedKey is the IndexCache key of the tar stored in entry e (size bytes)
// of the layer with digest d: a digest of its own, as the cache keys by
// sha256 digests.
func nestedKey(d v1.Hash, e int, size int64) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "nested tar\x00%s\x00%d\x00%d", d, e, size))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// openEntry opens a layer and positions a reader on entry number entry,
// checking that it still has the size seen while indexing (size < 0: no
// check).
func openEntry(l v1.Layer, entry int, size int64) (io.Closer, io.Reader, error) {
	rc, err := openLayer(l)
	if err != nil {
		return nil, nil, err
	}
	tr := tar.NewReader(rc)
	for e := 0; ; e++ {
		hdr, err := tr.Next()
		if err != nil {
			_ = rc.Close()
			if errors.Is(err, io.EOF) {
				err = errChanged
			}
			return nil, nil, fmt.Errorf("seeking entry %d: %w", entry, err)
		}
		if e == entry {
			if size >= 0 && hdr.Size != size {
				_ = rc.Close()
				return nil, nil, fmt.Errorf("entry %d %q: %w", entry, hdr.Name, errChanged)
			}
			return rc, tr, nil
		}
	}
}

// errChanged means a layer read twice did not give the same entries.
var errChanged = errors.New("layer changed since it was indexed")

// maybeGunzip decompresses r if it starts with the gzip magic.
func maybeGunzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(2)
	if err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		return gzip.NewReader(br)
	}
	return br, nil
}
