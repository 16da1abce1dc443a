package rootfs

import (
	"archive/tar"
	"context"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Tree is the indexed filesystem of a Plan: every path with its header and
// where its contents live, no contents. It is read-only once built, so
// several writers may use it at the same time.
type Tree struct {
	g        *tree
	layers   []v1.Layer
	listings []*layerListing
	cache    IndexCache
	stats    Stats
}

// Stats sums up a Tree, e.g. to size a disk.
type Stats struct {
	// Entries counts the paths (directories included, the root excluded).
	Entries int
	// Bytes sums the contents of the regular files, hardlinks counted once.
	Bytes int64
}

// Index reads the headers of every layer in the plan once and builds the
// merged filesystem, in LinuxKit's order: kernel, init images, volumes,
// bundles, files. It fails on the first hostile or broken entry, naming
// the source, layer and entry.
func Index(ctx context.Context, p *Plan) (*Tree, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	ix := &indexer{ctx: ctx, mtime: p.modTime().Unix(), cache: p.IndexCache}
	g := newTree(&ix.nodes, ix.mtime)
	if p.Kernel != nil {
		if err := ix.kernel(g, p.Kernel); err != nil {
			return nil, fmt.Errorf("rootfs: %w", err)
		}
	}
	var dbs [][]byte
	for i, img := range p.Init {
		where := fmt.Sprintf("init[%d]", i)
		t, err := ix.flatten(where, img, flattenOpts{whiteouts: true, apk: true})
		if err != nil {
			return nil, fmt.Errorf("rootfs: %w", err)
		}
		if err := fixup(t, true); err != nil {
			return nil, fmt.Errorf("rootfs: %s: %w", where, err)
		}
		if db := apkDatabase(t); db != nil {
			dbs = append(dbs, db)
		}
		graft(g.root, t.root)
	}
	if err := unionAPK(g, dbs); err != nil {
		return nil, fmt.Errorf("rootfs: init: %w", err)
	}
	steps := []func() error{
		func() error { return ix.volumes(g, p.Volumes) },
		func() error { return ix.bundles(g, p.Bundles) },
		func() error { return ix.files(g, p.Files) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("rootfs: %w", err)
		}
	}
	t := &Tree{g: g, layers: ix.layers, listings: ix.listings, cache: p.IndexCache}
	seen := map[*inode]bool{}
	err := walk(g.root, "", func(n *node, _ string) (bool, error) {
		t.stats.Entries++
		if n.typ == tar.TypeReg && !seen[n.ino] {
			seen[n.ino] = true
			t.stats.Bytes += n.ino.size
		}
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("rootfs: %w", err)
	}
	return t, nil
}

// Stats returns the tree's totals.
func (t *Tree) Stats() Stats { return t.stats }
