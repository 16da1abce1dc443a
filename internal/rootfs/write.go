package rootfs

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"
)

// Write indexes the plan and writes its whole filesystem (the `tar` format).
func Write(ctx context.Context, w io.Writer, p *Plan) error {
	t, err := Index(ctx, p)
	if err != nil {
		return err
	}
	return t.WriteTar(ctx, w)
}

// WriteTar writes the whole filesystem as a tar stream, boot files included.
// Directories end in "/"; there is no entry for the root; every path
// appears once; a hardlink names a regular file written before it; no path
// lies below a symlink. The stream ends with the end-of-archive blocks; w is
// not closed.
func (t *Tree) WriteTar(ctx context.Context, w io.Writer) error {
	return t.write(ctx, w, false)
}

// WriteInitrdTar writes what goes into the initrd: the filesystem without
// the boot/ directory and anything below it (LinuxKit drops every entry
// named boot/…: the kernel, cmdline and ucode travel beside the initrd; read
// them with Open).
func (t *Tree) WriteInitrdTar(ctx context.Context, w io.Writer) error {
	return t.write(ctx, w, true)
}

// job is a regular file whose contents must be streamed, with its paths.
type job struct {
	ino   *inode
	nodes []*node
	paths []string
}

func (t *Tree) write(ctx context.Context, w io.Writer, skipBoot bool) error {
	tw := tar.NewWriter(w)
	jobs := map[*inode]*job{}
	written := map[*inode]string{} // in-memory contents already written
	// Phase 1: everything we can write without reading a layer, sorted.
	err := walk(t.g.root, "", func(n *node, p string) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if skipBoot && p == "boot" && n.typ == tar.TypeDir {
			return false, nil // linuxkit drops "boot/" itself too
		}
		if n.typ == tar.TypeReg && (n.ino.inLayer() || n.ino.open != nil) {
			j := jobs[n.ino]
			if j == nil {
				j = &job{ino: n.ino}
				jobs[n.ino] = j
			}
			j.nodes, j.paths = append(j.nodes, n), append(j.paths, p)
			return false, nil
		}
		hdr := header(n, p)
		if n.typ == tar.TypeReg {
			if first, ok := written[n.ino]; ok {
				hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
			} else {
				written[n.ino] = p
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return false, fmt.Errorf("rootfs: writing %s: %w", p, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if _, err := tw.Write(n.ino.data); err != nil {
				return false, fmt.Errorf("rootfs: writing %s: %w", p, err)
			}
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	// Phase 2: contents streamed from layers in pipeline order, then the
	// streamed sources (OCI volume blobs, the files section's sources).
	out := &tarOut{tw: tw, buf: make([]byte, 64<<10)}
	byLayer := map[int][]*job{}
	var sources []*job
	for _, j := range jobs {
		if j.ino.open != nil {
			sources = append(sources, j)
		} else {
			byLayer[j.ino.layer] = append(byLayer[j.ino.layer], j)
		}
	}
	ids := make([]int, 0, len(byLayer))
	for id := range byLayer {
		ids = append(ids, id)
	}
	for id, ll := range t.listings {
		if _, ok := byLayer[id]; !ok && ll.cached {
			ids = append(ids, id) // nothing to write, but its cached listing is checked
		}
	}
	sort.Ints(ids)
	for _, id := range ids {
		if err := t.streamLayer(ctx, out, id, byLayer[id]); err != nil {
			return fmt.Errorf("rootfs: %w", err)
		}
	}
	sort.Slice(sources, func(a, b int) bool { return sources[a].ino.seq < sources[b].ino.seq })
	for _, j := range sources {
		if err := streamSource(out, j); err != nil {
			return fmt.Errorf("rootfs: %w", err)
		}
	}
	// Close writes the end-of-archive blocks; it does not close w.
	if err := tw.Close(); err != nil {
		return fmt.Errorf("rootfs: %w", err)
	}
	return nil
}

// streamLayer reads one layer once, up to its last needed entry, and writes
// the jobs whose contents live in it. Every header read must match the
// layer's listing; a layer listed from the IndexCache is read to its end, so
// that the whole listing is checked and the verifying reader checks the
// blob's digest.
func (t *Tree) streamLayer(ctx context.Context, out *tarOut, id int, js []*job) error {
	sort.Slice(js, func(a, b int) bool {
		x, y := js[a].ino, js[b].ino
		if x.entry != y.entry {
			return x.entry < y.entry
		}
		return x.sub < y.sub
	})
	l := t.layers[id]
	rc, err := openLayer(l)
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	ll := t.listings[id]
	tr := tar.NewReader(rc)
	k := 0
	nl := ll.nested
	for e := 0; k < len(js) || ll.cached || (nl != nil && nl.cached && e <= nl.entry); e++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) && k == len(js) && e == len(ll.recs) {
			// The whole cached listing matched; drain the rest of the blob
			// so the verifying reader checks its digest.
			if _, err := io.Copy(io.Discard, rc); err != nil {
				return fmt.Errorf("layer %d: %w", id, err)
			}
			return nil
		}
		if errors.Is(err, io.EOF) {
			err = errChanged
		}
		if err != nil {
			return fmt.Errorf("layer %d: entry %d: %w", id, e, err)
		}
		if e >= len(ll.recs) || recordOf(hdr) != ll.recs[e] {
			return t.changed(id, e, hdr.Name)
		}
		if nl != nil && nl.entry == e && (nl.cached || k < len(js) && js[k].ino.entry == e && js[k].ino.sub >= 0) {
			if err := t.streamNested(out, tr, id, e, hdr.Name, nl, js, &k); err != nil {
				return err
			}
			continue
		}
		if k == len(js) || js[k].ino.entry != e {
			continue
		}
		if hdr.Size != js[k].ino.size {
			return fmt.Errorf("layer %d: entry %d %q: %w", id, e, hdr.Name, errChanged)
		}
		if err := out.emit(js[k], tr); err != nil {
			return err
		}
		k++
	}
	return nil
}

// streamNested reads the tar stored in entry e of layer id (kernel.tar) and
// writes the jobs whose contents live in it (js[*k:] while they name e).
// Every header must match the listing; a listing from the IndexCache is read
// to the end of the stored tar.
func (t *Tree) streamNested(out *tarOut, tr io.Reader, id, e int, name string, nl *nestedListing, js []*job, k *int) error {
	body, err := maybeGunzip(tr)
	if err != nil {
		return fmt.Errorf("layer %d: entry %d %q: %w", id, e, name, err)
	}
	ntr := tar.NewReader(body)
	for s := 0; ; s++ {
		more := *k < len(js) && js[*k].ino.entry == e
		if !more && !nl.cached {
			return nil
		}
		nh, err := ntr.Next()
		if errors.Is(err, io.EOF) && !more && s == len(nl.recs) {
			return nil
		}
		if errors.Is(err, io.EOF) {
			err = errChanged
		}
		if err != nil {
			return fmt.Errorf("layer %d: entry %d %q: entry %d: %w", id, e, name, s, err)
		}
		if s >= len(nl.recs) || recordOf(nh) != nl.recs[s] {
			return t.changedNested(id, e, name, s, nh.Name, nl)
		}
		if !more || js[*k].ino.sub != s {
			continue
		}
		if err := out.emit(js[*k], ntr); err != nil {
			return err
		}
		*k++
	}
}

// changedNested is changed for entry s of the tar stored in entry e.
func (t *Tree) changedNested(id, e int, name string, s int, sub string, nl *nestedListing) error {
	err := fmt.Errorf("layer %d: entry %d %q: entry %d %q: %w", id, e, name, s, sub, errChanged)
	if !nl.cached {
		return err
	}
	return t.dropListing(err, nl.key)
}

// changed is the error for entry e of layer id not matching its listing.
func (t *Tree) changed(id, e int, name string) error {
	err := fmt.Errorf("layer %d: entry %d %q: %w", id, e, name, errChanged)
	if ll := t.listings[id]; ll.cached {
		return t.dropListing(err, ll.key)
	}
	return err
}

// dropListing removes the IndexCache's listing under key, which did not
// match what it lists, so the next build reads it afresh, and says so in err.
func (t *Tree) dropListing(err error, key string) error {
	if rerr := t.cache.StoreIndex(key, nil); rerr != nil {
		return fmt.Errorf("%w: the image cache's listing %s does not match it, and removing it failed: %v", err, key, rerr)
	}
	return fmt.Errorf("%w: the image cache's listing %s did not match it and was removed; build again", err, key)
}

// streamSource writes a streamed source, which must still have the size it
// had while indexing.
func streamSource(out *tarOut, j *job) error {
	rc, size, err := j.ino.open()
	if err != nil {
		return fmt.Errorf("%s: source: %w", j.paths[0], err)
	}
	defer func() { _ = rc.Close() }()
	if size != j.ino.size {
		return fmt.Errorf("%s: source changed size while building", j.paths[0])
	}
	if err := out.emit(j, rc); err != nil {
		return err
	}
	if n, _ := rc.Read(make([]byte, 1)); n > 0 {
		return fmt.Errorf("%s: source grew while building", j.paths[0])
	}
	return nil
}

// tarOut is the tar writer with one copy buffer for all contents.
type tarOut struct {
	tw  *tar.Writer
	buf []byte
}

// emit writes a job's first path with the contents read from r, and its
// other paths as hardlinks to the first.
func (o *tarOut) emit(j *job, r io.Reader) error {
	hdr := header(j.nodes[0], j.paths[0])
	if err := o.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("writing %s: %w", j.paths[0], err)
	}
	// Hide tar.Writer's ReadFrom, which would allocate a buffer per file.
	n, err := io.CopyBuffer(struct{ io.Writer }{o.tw}, io.LimitReader(r, j.ino.size), o.buf)
	if err == nil && n < j.ino.size {
		err = fmt.Errorf("short read after %d of %d bytes: %w", n, j.ino.size, errChanged)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", j.paths[0], err)
	}
	for i := 1; i < len(j.paths); i++ {
		h := header(j.nodes[i], j.paths[i])
		h.Typeflag, h.Linkname, h.Size = tar.TypeLink, j.paths[0], 0
		if err := o.tw.WriteHeader(h); err != nil {
			return fmt.Errorf("writing %s: %w", j.paths[i], err)
		}
	}
	return nil
}

// header makes the tar header of a node. Owner names are left empty, so an
// extractor uses the numeric ids, never the host's user database.
func header(n *node, p string) *tar.Header {
	h := &tar.Header{
		Name:     p,
		Typeflag: n.typ,
		Mode:     n.mode,
		Uid:      n.uid,
		Gid:      n.gid,
		ModTime:  time.Unix(n.mtime, 0).UTC(),
	}
	switch n.typ {
	case tar.TypeDir:
		h.Name += "/"
	case tar.TypeReg:
		h.Size = n.ino.size
	case tar.TypeSymlink:
		h.Linkname = n.link
	case tar.TypeChar, tar.TypeBlock:
		h.Devmajor, h.Devminor = n.major, n.minor
	}
	if n.caps != "" {
		h.PAXRecords = map[string]string{capsRecord: n.caps}
	}
	return h
}
