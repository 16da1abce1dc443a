package image

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
)

// listingsDir is the cache folder that holds layer listings, one file per
// layer digest (listings/sha256/<hex>). OCI readers (linuxkit, crane) ignore
// it; removing it only makes the next build list its layers again.
const listingsDir = "listings"

// maxListing bounds a listing read back: a million entries' headers.
const maxListing = 256 << 20

// LoadIndex returns the listing kept for the layer with digest key
// (rootfs.IndexCache), or nil when there is none. A listing that cannot be
// read is a miss, logged: the layer is read instead, and the listing
// rewritten.
func (s *Store) LoadIndex(key string) ([]byte, error) {
	p, err := s.listingPath(key)
	if err != nil {
		return nil, err
	}
	f, err := safeio.OpenRegular(p, "layer listing")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		s.logf("image cache: ignoring the listing of %s: %v", key, err)
		return nil, nil
	}
	defer func() { _ = f.Close() }()
	b, err := io.ReadAll(io.LimitReader(f, maxListing+1))
	if err != nil || len(b) > maxListing {
		s.logf("image cache: ignoring the listing of %s: unreadable or over %d bytes", key, maxListing)
		return nil, nil
	}
	return b, nil
}

// StoreIndex keeps the listing of the layer with digest key
// (rootfs.IndexCache); nil data removes it. A read-only store (pull =
// "never") keeps nothing, and says which file to remove for nil data. A failure to write is logged, not returned: it
// costs the next build a decompression, nothing else.
func (s *Store) StoreIndex(key string, data []byte) error {
	p, err := s.listingPath(key)
	if err != nil {
		return err
	}
	if s.opts.Pull == PullNever {
		if data == nil {
			return fmt.Errorf("image cache: with pull = \"never\" the cache is not written to; remove %s yourself", p)
		}
		return nil
	}
	if data == nil {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("image cache: remove the listing of %s: %w", key, err)
		}
		return nil
	}
	err = os.MkdirAll(filepath.Dir(p), 0o755)
	if err == nil {
		err = writeFileAtomic(p, data)
	}
	if err != nil {
		s.logf("image cache: could not keep the listing of %s: %v", key, err)
	}
	return nil
}

// listingPath is where the listing of the layer with digest key lives.
func (s *Store) listingPath(key string) (string, error) {
	h, err := v1.NewHash(key)
	if err != nil || h.Algorithm != "sha256" {
		return "", fmt.Errorf("image cache: layer listing key %q is not a sha256 digest", key)
	}
	return filepath.Join(s.opts.CacheDir, listingsDir, h.Algorithm, h.Hex), nil
}
