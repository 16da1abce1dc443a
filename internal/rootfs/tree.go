package rootfs

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

const (
	// maxNodes bounds the entries of one plan (about 200 bytes each), so a
	// layer made of millions of empty files cannot exhaust memory.
	maxNodes = 2_000_000
	// maxDepth bounds the depth of a tree: a 4096-byte path has at most
	// 2048 components, and symlinks must not be a way to build deeper ones.
	maxDepth = maxPath / 2
	// maxOutPath bounds the paths written: an image path plus the bundle
	// or volume prefix.
	maxOutPath = 2 * maxPath
)

var (
	errNotFound = errors.New("no such file or directory")
	errTooDeep  = errors.New("path deeper than 2048 components")
)

// inode is the content of a regular file: where its bytes live, never the
// bytes of a layer. Several nodes share one inode when they are hardlinks.
type inode struct {
	size int64
	// layer >= 0: entry number entry of layer id layer, and, when sub >= 0,
	// entry number sub of the tar archive stored in that entry (kernel.tar).
	layer, entry, sub int
	// data holds small generated contents (config.json, etc/hosts, ...).
	data []byte
	// open streams a files-section source or an OCI blob; seq orders
	// them in the output.
	open func() (io.ReadCloser, int64, error)
	seq  int
}

// inLayer reports whether the bytes must be streamed from a layer.
func (i *inode) inLayer() bool { return i.layer >= 0 && i.data == nil }

// node is one path of the tree: a header without contents.
type node struct {
	name     string
	parent   *node
	typ      byte // tar.TypeDir, TypeReg, TypeSymlink, TypeChar, TypeBlock, TypeFifo
	mode     int64
	uid, gid int
	mtime    int64 // Unix seconds
	link     string
	major    int64
	minor    int64
	caps     string // security.capability xattr, kept for the tar format
	ino      *inode
	kids     map[string]*node
	// gen is the last layer that created or wrote below this node, for
	// opaque whiteouts.
	gen int
	// depth counts the components from the root of the tree the node was
	// put in (not updated when a subtree is grafted elsewhere).
	depth int
}

func (n *node) isDir() bool { return n.typ == tar.TypeDir }

func (n *node) setChild(c *node) {
	if n.kids == nil {
		n.kids = map[string]*node{}
	}
	c.parent, c.depth = n, n.depth+1
	n.kids[c.name] = c
}

// path returns the node's root-relative path.
func (n *node) path() string {
	var parts []string
	for c := n; c.parent != nil; c = c.parent {
		parts = append(parts, c.name)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return joinPath(parts)
}

// sortedKids returns the children in byte order of their names.
func (n *node) sortedKids() []*node {
	out := make([]*node, 0, len(n.kids))
	for _, c := range n.kids {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// copyMeta makes dst carry src's metadata (a later directory entry updates
// an existing directory).
func copyMeta(dst, src *node) {
	dst.mode, dst.uid, dst.gid, dst.mtime, dst.caps = src.mode, src.uid, src.gid, src.mtime, src.caps
}

// clone copies a node without its children.
func (n *node) clone(name string) *node {
	c := *n
	c.name, c.parent, c.kids = name, nil, nil
	return &c
}

// tree is a root plus the counter that bounds its size.
type tree struct {
	root  *node
	nodes *int
	mtime int64 // for directories we create
}

func newTree(nodes *int, mtime int64) *tree {
	return &tree{root: &node{typ: tar.TypeDir, mode: 0755, mtime: mtime}, nodes: nodes, mtime: mtime}
}

func (t *tree) count() error {
	*t.nodes++
	if *t.nodes > maxNodes {
		return fmt.Errorf("more than %d entries", maxNodes)
	}
	return nil
}

// resolver walks a tree the way the kernel resolves a path: directories are
// entered, symlinks followed (absolute ones from the tree's root, ".." stops
// at the root, at most maxSymlinks of them), anything else is "not a
// directory". The tree is all there is, so no path can leave it.
type resolver struct {
	t      *tree
	create bool  // create missing directories
	mkdir  *node // template for created directories; nil: 0755, root
	gen    int   // with create: mark the directories walked through
	hops   int
}

// dir resolves comps, starting at start, as a directory.
func (r *resolver) dir(start *node, comps []string) (*node, error) {
	cur := start
	queue := append([]string(nil), comps...)
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if cur.parent != nil {
				cur = cur.parent
			}
			continue
		}
		next := cur.kids[c]
		if next == nil {
			if !r.create {
				return nil, errNotFound
			}
			if cur.depth >= maxDepth {
				return nil, errTooDeep
			}
			if err := r.t.count(); err != nil {
				return nil, err
			}
			next = &node{typ: tar.TypeDir, mode: 0755}
			if r.mkdir != nil {
				next = r.mkdir.clone("")
			}
			next.name, next.mtime, next.gen = c, r.t.mtime, r.gen
			cur.setChild(next)
		}
		switch next.typ {
		case tar.TypeDir:
			cur = next
			if r.create && cur.gen < r.gen {
				cur.gen = r.gen
			}
		case tar.TypeSymlink:
			if r.hops++; r.hops > maxSymlinks {
				return nil, fmt.Errorf("%s: too many levels of symbolic links", next.path())
			}
			if strings.HasPrefix(next.link, "/") {
				cur = r.t.root
			}
			queue = append(strings.Split(next.link, "/"), queue...)
		default:
			return nil, fmt.Errorf("%s: not a directory", next.path())
		}
	}
	return cur, nil
}

// parent resolves all components but the last as a directory and returns it
// with the last component; comps must not be empty.
func (r *resolver) parent(comps []string) (*node, string, error) {
	d, err := r.dir(r.t.root, comps[:len(comps)-1])
	return d, comps[len(comps)-1], err
}

// follow resolves comps completely, the last symlink included. It returns
// nil (no error) when the last component does not exist.
func (r *resolver) follow(comps []string) (*node, error) {
	if len(comps) == 0 {
		return r.t.root, nil
	}
	d, base, err := r.parent(comps)
	for err == nil {
		n := d.kids[base]
		if n == nil || n.typ != tar.TypeSymlink {
			return n, nil
		}
		if r.hops++; r.hops > maxSymlinks {
			return nil, fmt.Errorf("%s: too many levels of symbolic links", n.path())
		}
		start := d
		if strings.HasPrefix(n.link, "/") {
			start = r.t.root
		}
		var target []string
		for _, c := range strings.Split(n.link, "/") {
			if c != "" && c != "." {
				target = append(target, c)
			}
		}
		if len(target) == 0 || target[len(target)-1] == ".." {
			return r.dir(start, target)
		}
		d, err = r.dir(start, target[:len(target)-1])
		base = target[len(target)-1]
	}
	return nil, err
}

// place puts n into dir under n.name: a directory over a directory updates
// the metadata and keeps the children, anything else replaces what was there
// (with its whole subtree). It returns the node now at that name.
func place(dir, n *node) *node {
	if old := dir.kids[n.name]; old != nil && old.isDir() && n.isDir() {
		copyMeta(old, n)
		if n.gen > old.gen {
			old.gen = n.gen
		}
		return old
	}
	dir.setChild(n)
	return n
}

// opaque hides, below dir, everything older than layer gen: an opaque
// whiteout keeps only what its own layer wrote.
func opaque(dir *node, gen int) {
	for name, c := range dir.kids {
		switch {
		case c.gen < gen:
			delete(dir.kids, name)
		case c.isDir():
			opaque(c, gen)
		}
	}
}

// graft merges the tree below src into dst (a directory): later wins path by
// path, directories merge. Nodes are moved, not copied.
func graft(dst, src *node) {
	for _, c := range src.kids {
		if old := dst.kids[c.name]; old != nil && old.isDir() && c.isDir() {
			copyMeta(old, c)
			graft(old, c)
			continue
		}
		dst.setChild(c)
	}
	src.kids = nil
}

// walk visits every node below n in sorted depth-first order, parents
// first, with its path; fn says whether to enter a directory.
func walk(n *node, prefix string, fn func(n *node, p string) (bool, error)) error {
	for _, c := range n.sortedKids() {
		p := c.name
		if prefix != "" {
			p = prefix + "/" + c.name
		}
		if len(p) > maxOutPath {
			return fmt.Errorf("path longer than %d bytes: %.64s…", maxOutPath, p)
		}
		enter, err := fn(c, p)
		if err != nil {
			return err
		}
		if enter && c.isDir() {
			if err := walk(c, p, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// literal finds comps without following any symlink (nil if absent).
func literal(root *node, comps []string) *node {
	cur := root
	for _, c := range comps {
		if cur == nil || !cur.isDir() {
			return nil
		}
		cur = cur.kids[c]
	}
	return cur
}
