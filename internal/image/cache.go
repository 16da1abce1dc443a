package image

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
)

// AnnotationRefName is the index.json annotation holding an entry's full
// reference, the key linuxkit reads and writes
// (imagespec.AnnotationRefName).
const AnnotationRefName = "org.opencontainers.image.ref.name"

// maxMetaBlob bounds manifests, indexes and configs: the one limit, checked
// before a fetched one is written (checkMetaSize) and when one is read back
// from the cache, so nothing is cached that a later build would refuse.
const maxMetaBlob = 64 << 20

// ociLayoutFile is the content of an OCI layout's oci-layout marker, as
// go-containerregistry's layout package writes it.
const ociLayoutFile = `{
    "imageLayoutVersion": "1.0.0"
}`

// cache is the on-disk OCI image layout: blobs/sha256/<hex> plus an
// index.json whose entries carry AnnotationRefName.
type cache struct {
	dir  string
	lock *cacheLock
}

// openCache creates the layout in dir when it does not exist yet.
// readOnly is for a Store that never writes (pull policy never): an
// existing layout is then opened without writing anything, not even the
// lock file or the sweep of stale temporary files, so a read-only cache
// serves it.
func openCache(dir string, readOnly bool) (*cache, error) {
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return nil, fmt.Errorf("create image cache %s: %w", dir, err)
	}
	c := &cache{dir: dir, lock: newCacheLock(dir, readOnly)}
	if readOnly && exists(filepath.Join(dir, "oci-layout")) && exists(filepath.Join(dir, "index.json")) {
		return c, nil
	}
	err := c.lock.do(func() error {
		if !exists(filepath.Join(dir, "oci-layout")) {
			if err := writeFileAtomic(filepath.Join(dir, "oci-layout"), []byte(ociLayoutFile)); err != nil {
				return err
			}
		}
		if !exists(filepath.Join(dir, "index.json")) {
			return c.writeIndexLocked(&v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("initialize image cache %s: %w", dir, err)
	}
	c.removeStaleTemps()
	return c, nil
}

// exists reports whether path exists; any other error than "not there"
// counts as existing, so that the read that follows reports it.
func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// staleAfter is the age beyond which a temporary file is taken to be left
// over by a crashed writer rather than in use by a concurrent one.
const staleAfter = 24 * time.Hour

// removeStaleTemps deletes temporary files that crashed writers left in
// the cache; failures are ignored (another process may be doing the same).
func (c *cache) removeStaleTemps() {
	for _, pattern := range []string{filepath.Join(c.dir, ".tmp-*"), filepath.Join(c.dir, "blobs", "sha256", ".tmp-*"),
		filepath.Join(c.dir, listingsDir, "sha256", ".tmp-*")} {
		matches, _ := filepath.Glob(pattern)
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && time.Since(st.ModTime()) > staleAfter {
				_ = os.Remove(m)
			}
		}
	}
}

// readIndex returns the cache's index.json, read under the lock because
// linuxkit rewrites it in place.
func (c *cache) readIndex() (*v1.IndexManifest, error) {
	var im *v1.IndexManifest
	err := c.lock.read(func() error {
		var err error
		im, err = c.readIndexLocked()
		return err
	})
	return im, err
}

// readIndexLocked reads index.json; the caller holds the lock.
func (c *cache) readIndexLocked() (*v1.IndexManifest, error) {
	f, err := safeio.OpenRegular(filepath.Join(c.dir, "index.json"), "cache index")
	if err != nil {
		return nil, fmt.Errorf("read cache index: %w", err)
	}
	defer f.Close()
	im, err := v1.ParseIndexManifest(f)
	if err != nil {
		return nil, fmt.Errorf("parse cache index %s: %w", f.Name(), err)
	}
	return im, nil
}

// writeIndexLocked replaces index.json atomically; the caller holds the
// lock. The format (three-space indent) is the one linuxkit writes.
func (c *cache) writeIndexLocked(im *v1.IndexManifest) error {
	raw, err := json.MarshalIndent(im, "", "   ")
	if err != nil {
		return fmt.Errorf("encode cache index: %w", err)
	}
	return writeFileAtomic(filepath.Join(c.dir, "index.json"), raw)
}

// setRef points refName at desc: it drops every index.json entry already
// named refName and appends desc, annotated with the name, as linuxkit's
// DescriptorWrite does.
func (c *cache) setRef(refName string, desc v1.Descriptor) error {
	desc.Annotations = maps.Clone(desc.Annotations)
	if desc.Annotations == nil {
		desc.Annotations = map[string]string{}
	}
	desc.Annotations[AnnotationRefName] = refName
	return c.lock.do(func() error {
		im, err := c.readIndexLocked()
		if err != nil {
			return err
		}
		kept := im.Manifests[:0]
		for _, m := range im.Manifests {
			if m.Annotations[AnnotationRefName] != refName {
				kept = append(kept, m)
			}
		}
		im.Manifests = append(kept, desc)
		return c.writeIndexLocked(im)
	})
}

// lookup finds the index.json entry for r: by name for a tag, by digest
// for a digest reference (also among the children of cached indexes, so a
// platform manifest's digest is found too).
func (c *cache) lookup(r reference) (v1.Descriptor, bool, error) {
	im, err := c.readIndex()
	if err != nil {
		return v1.Descriptor{}, false, err
	}
	if !r.hasDigest() {
		for _, m := range im.Manifests {
			if m.Annotations[AnnotationRefName] == r.name {
				return m, true, nil
			}
		}
		return v1.Descriptor{}, false, nil
	}
	for _, m := range im.Manifests {
		if m.Digest == r.digest {
			return m, true, nil
		}
	}
	for _, m := range im.Manifests {
		if !m.MediaType.IsIndex() {
			continue
		}
		raw, err := c.readBlob(m.Digest, m.Size)
		if err != nil {
			continue
		}
		child, err := v1.ParseIndexManifest(bytes.NewReader(raw))
		if err != nil {
			continue
		}
		for _, d := range child.Manifests {
			if d.Digest == r.digest {
				return d, true, nil
			}
		}
	}
	return v1.Descriptor{}, false, nil
}

// blobPath is where the layout keeps blob h.
func (c *cache) blobPath(h v1.Hash) string {
	return filepath.Join(c.dir, "blobs", h.Algorithm, h.Hex)
}

// readBlob reads a small blob (manifest, index, config) and checks its
// size and digest.
func (c *cache) readBlob(h v1.Hash, size int64) ([]byte, error) {
	if err := checkMetaSize(h, size); err != nil {
		return nil, err
	}
	f, err := c.openBlob(h)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxMetaBlob+1))
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	if err := checkContent(h, size, int64(len(raw)), sha256.Sum256(raw)); err != nil {
		return nil, err
	}
	return raw, nil
}

// verifyBlob streams blob h through sha256 and checks it against its
// digest and size. A missing blob gives an error wrapping fs.ErrNotExist, a
// damaged one an error wrapping ErrCorrupt.
func (c *cache) verifyBlob(h v1.Hash, size int64) error {
	f, err := c.openBlob(h)
	if err != nil {
		return err
	}
	defer f.Close()
	if size >= 0 {
		if st, err := f.Stat(); err == nil && st.Size() != size {
			return fmt.Errorf("%w: %s has %d bytes, want %d", ErrCorrupt, h, st.Size(), size)
		}
	}
	hh := sha256.New()
	n, err := io.Copy(hh, f)
	if err != nil {
		return fmt.Errorf("read blob %s: %w", h, err)
	}
	var sum [sha256.Size]byte
	copy(sum[:], hh.Sum(nil))
	return checkContent(h, size, n, sum)
}

// openBlob opens blob h for reading; only sha256 blobs are supported, and
// only regular files (a FIFO or a device in the cache would block or never
// end).
func (c *cache) openBlob(h v1.Hash) (*os.File, error) {
	if h.Algorithm != "sha256" {
		return nil, fmt.Errorf("blob %s: unsupported digest algorithm", h)
	}
	f, err := safeio.OpenRegular(c.blobPath(h), "cached blob")
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", h, err)
	}
	return f, nil
}

// checkContent compares what was read (n bytes hashing to sum) with the
// expected digest h and size (size < 0: unknown).
func checkContent(h v1.Hash, size, n int64, sum [sha256.Size]byte) error {
	if size >= 0 && n != size {
		return fmt.Errorf("%w: %s has %d bytes, want %d", ErrCorrupt, h, n, size)
	}
	if got := hex.EncodeToString(sum[:]); got != h.Hex {
		return fmt.Errorf("%w: content of %s hashes to sha256:%s", ErrCorrupt, h, got)
	}
	return nil
}

// writeBlob copies r into the layout as blob h: into a temporary file
// beside the blobs (named .tmp-<hex>-*, which the sweep of crashed
// writers' files matches), checked against h and size (size < 0: unknown),
// synced and renamed into place, so a blob file is always complete and
// correct when it appears, and a damaged one is replaced.
//
// A failure to read r comes back as it is (wrapped), a content mismatch
// wraps ErrCorrupt, and a local failure (disk full, rename refused) is a
// *writeError, so that it is never taken for a registry fault.
func (c *cache) writeBlob(h v1.Hash, size int64, r io.Reader) error {
	if h.Algorithm != "sha256" {
		return fmt.Errorf("blob %s: unsupported digest algorithm", h)
	}
	path := c.blobPath(h)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return &writeError{fmt.Errorf("write blob %s into the cache: %w", h, err)}
	}
	src := r
	if size >= 0 {
		src = io.LimitReader(r, size+1)
	}
	err := safeio.WriteFile(path, func(f *os.File) error {
		hh := sha256.New()
		n, err := io.Copy(f, io.TeeReader(&sourceReader{r: src}, hh))
		if err != nil {
			return err
		}
		var sum [sha256.Size]byte
		copy(sum[:], hh.Sum(nil))
		return checkContent(h, size, n, sum)
	}, safeio.TempPattern(".tmp-"+h.Hex+"-*"), safeio.NoSync()) // blobs are hashed again before use
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrCorrupt), errors.As(err, new(*sourceError)):
		return fmt.Errorf("write blob %s: %w", h, err)
	}
	return &writeError{fmt.Errorf("write blob %s into the cache: %w", h, err)}
}

// writeFileAtomic replaces path in the cache with data, through safeio's
// atomic writer with a temporary name the sweep matches.
func writeFileAtomic(path string, data []byte) error {
	return safeio.WriteFile(path, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	}, safeio.TempPattern(".tmp-"+filepath.Base(path)+"-*"))
}

// writeError is a failure of the local cache (disk full, permission, a
// refused rename), not of the registry: it is not retried and is reported
// as ErrCache.
type writeError struct{ err error }

// Error implements error.
func (e *writeError) Error() string { return e.err.Error() }

// Unwrap returns the cause.
func (e *writeError) Unwrap() error { return e.err }

// sourceError marks a failure to read the data being cached (the registry
// body), as opposed to a failure to write it.
type sourceError struct{ err error }

// Error implements error.
func (e *sourceError) Error() string { return e.err.Error() }

// Unwrap returns the cause.
func (e *sourceError) Unwrap() error { return e.err }

// sourceReader tags every read error of r as a *sourceError.
type sourceReader struct{ r io.Reader }

// Read implements io.Reader.
func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = &sourceError{err}
	}
	return n, err
}
