package resolve

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/image"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/spec"
)

// Resolved is a spec with every image pinned to a digest: what the datasource
// returns and what the builder builds.
type Resolved struct {
	// Spec is merged and pinned, with every files[].source made absolute.
	Spec *spec.Spec
	// Public is Spec with each source reduced to its base name: what
	// `metadata` files receive and what the digest covers, so neither
	// depends on the build directory nor leaks host paths.
	Public *spec.Spec
	// YAML is the canonical form of Spec; fed back as an inline spec it
	// builds exactly this.
	YAML string
	// Digest is sha256 of Public's canonical form and of every source
	// file's content.
	Digest string
	// Kernel is the pinned kernel reference ("" without a kernel).
	Kernel string
	// Images maps each component key (spec.ImageUse.Key) to its pinned
	// reference.
	Images map[string]string
}

// Resolve pulls (or finds in the cache) every image s names, pins each
// reference to its digest and computes the spec digest.
func Resolve(ctx context.Context, store *image.Store, s *spec.Spec) (*Resolved, error) {
	uses := s.Images()
	refs := make([]string, 0, len(uses))
	seen := map[string]bool{}
	for _, u := range uses {
		if !seen[u.Ref] {
			seen[u.Ref] = true
			refs = append(refs, u.Ref)
		}
	}
	pinned, err := store.Pull(ctx, refs)
	if err != nil {
		return nil, err
	}
	byRef := make(map[string]string, len(pinned))
	for ref, p := range pinned {
		byRef[ref] = p.Pinned
	}
	ps, err := s.Pin(byRef)
	if err != nil {
		return nil, err
	}
	extra, err := sourceDigests(ps)
	if err != nil {
		return nil, err
	}
	public := ps.Clone()
	for i, f := range ps.Files {
		if f.Source != "" {
			f.Source = f.SourcePath()
			public.Files[i].Source = filepath.Base(f.Source)
		}
	}
	canonical, err := ps.Canonical()
	if err != nil {
		return nil, fmt.Errorf("serialising the pinned spec: %w", err)
	}
	forDigest, err := public.Canonical()
	if err != nil {
		return nil, fmt.Errorf("serialising the pinned spec: %w", err)
	}
	r := &Resolved{
		Spec:   ps,
		Public: public,
		YAML:   string(canonical),
		Digest: spec.Digest(forDigest, extra...),
		Images: map[string]string{},
	}
	for _, u := range uses {
		r.Images[u.Key] = byRef[u.Ref]
	}
	r.Kernel = r.Images["kernel"]
	return r, nil
}

// sourceDigests returns one "path=sha256" line per files[].source entry, so
// the spec digest changes when a file the spec copies changes.
func sourceDigests(s *spec.Spec) ([]string, error) {
	var out []string
	for i, f := range s.Files {
		if f.Source == "" {
			continue
		}
		p := f.SourcePath()
		fh, err := safeio.OpenRegular(p, "source")
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && f.Optional {
				out = append(out, f.Path+"=absent")
				continue
			}
			return nil, fmt.Errorf("files[%d] (%s): source: %w", i, f.Path, err)
		}
		h := sha256.New()
		_, err = io.Copy(h, fh)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("files[%d] (%s): reading source %s: %w", i, f.Path, p, err)
		}
		out = append(out, f.Path+"="+hex.EncodeToString(h.Sum(nil)))
	}
	return out, nil
}
