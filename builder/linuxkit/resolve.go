package linuxkit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/assemble"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/image"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/spec"
)

// Resolved is a spec with every image pinned to a digest: what the datasource
// returns and what the builder builds.
type Resolved struct {
	Spec   *spec.Spec        // merged and pinned; files[].source absolute
	Public *spec.Spec        // Spec with each source reduced to its base name: what metadata files show
	YAML   string            // canonical pinned YAML
	Digest string            // sha256:… of YAML and of every files[].source content
	Kernel string            // pinned kernel reference ("" without a kernel)
	Images map[string]string // component key → pinned reference
}

// StoreOptions turns the spec inputs into image-store options.
func (c *SpecConfig) StoreOptions() image.Options {
	policy, _ := image.ParsePolicy(c.Pull) // validated in Validate
	return image.Options{
		CacheDir: c.CacheDir,
		Arch:     c.Arch,
		Pull:     policy,
		Mirrors:  c.RegistryMirrors,
		Insecure: c.InsecureRegistries,
	}
}

// Resolve loads the spec, pulls (or finds in the cache) every image it names
// and pins each reference to its digest.
func Resolve(c *SpecConfig) (*Resolved, error) {
	return ResolveWith(context.Background(), c, nil)
}

// ResolveWith is Resolve with a context and an optional progress callback.
func ResolveWith(ctx context.Context, c *SpecConfig, progress func(image.Progress)) (*Resolved, error) {
	s, err := c.Load()
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, fmt.Errorf("the spec is not known yet (%q); this happens when a datasource output is used without -evaluate-datasources", unknownValue)
	}
	opts := c.StoreOptions()
	opts.Progress = progress
	store, err := image.New(opts)
	if err != nil {
		return nil, err
	}
	return resolveSpec(ctx, store, s)
}

func resolveSpec(ctx context.Context, store *image.Store, s *spec.Spec) (*Resolved, error) {
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
	// The pinned YAML names every source file by its absolute path, so it
	// builds the same wherever it is fed back (data.linuxkit.x.yaml). The
	// digest and the spec copies written into the image (files[].metadata)
	// name a source by its base name only and the digest covers its content,
	// so neither depends on where the checkout lives nor leaks host paths.
	extra, err := sourceDigests(ps)
	if err != nil {
		return nil, err
	}
	anonymous := ps.Clone()
	for i, f := range ps.Files {
		if f.Source != "" {
			f.Source = assemble.SourcePath(f)
			anonymous.Files[i].Source = filepath.Base(f.Source)
		}
	}
	canonical, err := ps.Canonical()
	if err != nil {
		return nil, fmt.Errorf("serialising the pinned spec: %w", err)
	}
	forDigest, err := anonymous.Canonical()
	if err != nil {
		return nil, fmt.Errorf("serialising the pinned spec: %w", err)
	}
	r := &Resolved{
		Spec:   ps,
		Public: anonymous,
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
		p := assemble.SourcePath(f)
		fh, err := os.Open(p)
		if err != nil {
			if os.IsNotExist(err) && f.Optional {
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
