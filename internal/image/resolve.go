package image

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Pinned is a reference resolved to the digest it names.
type Pinned struct {
	// Ref is the normalized input reference, e.g.
	// "docker.io/library/nginx:latest" (tag and digest kept as given).
	Ref string
	// Digest is the digest of what Ref names: the index digest for a
	// multi-arch image, else the manifest digest.
	Digest v1.Hash
	// Pinned is the repository with the digest,
	// "docker.io/library/nginx@sha256:…".
	Pinned string
}

// reference is a parsed, normalized image reference.
type reference struct {
	name     string  // "docker.io/library/nginx:latest", "…nginx@sha256:…", or both
	registry string  // "docker.io"
	path     string  // "library/nginx"
	tag      string  // "" only when the reference has a digest and no tag
	digest   v1.Hash // zero unless the reference has a digest
}

// repo returns "registry/path".
func (r reference) repo() string { return r.registry + "/" + r.path }

// hasDigest reports whether r names an immutable digest.
func (r reference) hasDigest() bool { return r.digest.Hex != "" }

// pinned returns r pinned to digest d.
func (r reference) pinned(d v1.Hash) Pinned {
	return Pinned{Ref: r.name, Digest: d, Pinned: r.repo() + "@" + d.String()}
}

// parseReference normalizes a reference the way linuxkit does: Docker Hub
// names get "docker.io/" and "library/", a missing tag becomes "latest"
// unless a digest is given.
func parseReference(s string) (reference, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return reference{}, errors.New("empty image reference")
	}
	base, dig, hasDigest := strings.Cut(s, "@")
	tag, err := name.NewTag(base, name.WithDefaultTag(""))
	if err != nil {
		return reference{}, fmt.Errorf("invalid image reference %q: %w", s, err)
	}
	r := reference{
		registry: canonicalRegistry(tag.RegistryStr()),
		path:     tag.RepositoryStr(),
		tag:      tag.TagStr(),
	}
	if hasDigest {
		if _, err := name.NewDigest(tag.Context().Name()+"@"+dig, name.StrictValidation); err != nil {
			return reference{}, fmt.Errorf("invalid image reference %q: %w", s, err)
		}
		if r.digest, err = v1.NewHash(dig); err != nil {
			return reference{}, fmt.Errorf("invalid digest in image reference %q: %w", s, err)
		}
	} else if r.tag == "" {
		r.tag = "latest"
	}
	r.name = r.repo()
	if r.tag != "" {
		r.name += ":" + r.tag
	}
	if hasDigest {
		r.name += "@" + r.digest.String()
	}
	return r, nil
}

// Normalize returns the normalized form of an image reference, as recorded
// in the cache: "nginx" → "docker.io/library/nginx:latest".
func Normalize(ref string) (string, error) {
	r, err := parseReference(ref)
	if err != nil {
		return "", err
	}
	return r.name, nil
}

// Resolve returns the digest that ref names, without downloading any
// layers. A reference with a digest resolves to that digest without any
// I/O. A tag comes from the cache unless the policy is PullAlways or the tag
// is not cached; then the registry (or its mirror) is asked. With PullNever
// an uncached tag is an error wrapping ErrNotCached.
func (s *Store) Resolve(ctx context.Context, ref string) (Pinned, error) {
	r, err := parseReference(ref)
	if err != nil {
		return Pinned{}, err
	}
	if r.hasDigest() {
		return r.pinned(r.digest), nil
	}
	if s.opts.Pull != PullAlways {
		desc, found, err := s.cache.lookup(r)
		if err != nil {
			return Pinned{}, &Error{Ref: r.name, Kind: ErrCache, Err: err}
		}
		if found {
			s.logf("image %s: resolved from cache to %s", r.name, desc.Digest)
			return r.pinned(desc.Digest), nil
		}
		if s.opts.Pull == PullNever {
			return Pinned{}, &Error{Ref: r.name, Kind: ErrNotCached,
				Err: fmt.Errorf("pull policy is never and the cache %s has no entry for it", s.opts.CacheDir)}
		}
	}
	puller, err := s.newPuller(ctx)
	if err != nil {
		return Pinned{}, err
	}
	rr, err := s.remoteRef(r)
	if err != nil {
		return Pinned{}, err
	}
	var desc *v1.Descriptor
	attempts, err := s.retry(ctx, fmt.Sprintf("image %s: resolve", r.name), func() error {
		var err error
		desc, err = headOrGet(ctx, puller, rr.ref)
		return err
	})
	if err != nil {
		return Pinned{}, s.gaveUp(r, rr, "", attempts, err)
	}
	s.logf("image %s: resolved on %s to %s", r.name, rr.describe(), desc.Digest)
	return r.pinned(desc.Digest), nil
}

// headOrGet asks for a manifest's descriptor with HEAD, falling back to GET
// for registries that answer HEAD without a digest.
func headOrGet(ctx context.Context, p *remote.Puller, ref name.Reference) (*v1.Descriptor, error) {
	desc, err := p.Head(ctx, ref)
	if err == nil {
		return desc, nil
	}
	if k := classify(err); k == ErrUnauthorized || k == ErrNotFound || k == ErrUnreachable {
		return nil, err
	}
	full, gerr := p.Get(ctx, ref)
	if gerr != nil {
		return nil, gerr
	}
	return &full.Descriptor, nil
}
