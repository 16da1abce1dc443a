package verify

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Source fetches signature manifests. repo is the normalized repository of
// the signed image ("docker.io/linuxkit/init"), tag its signature tag
// ("sha256-<hex>.sig"). A Source returns an error wrapping ErrUnsigned
// when the registry has no such tag; the builder's Source goes through the
// image store's mirrors, insecure registries and credentials.
type Source interface {
	Signature(ctx context.Context, repo, tag string) (v1.Image, error)
}

// Remote is a Source reading the registry directly with
// go-containerregistry: nameOpts parse the reference (name.Insecure for a
// plain-HTTP registry), opts are the transport options (auth, transport,
// platform) the image store uses.
func Remote(nameOpts []name.Option, opts ...remote.Option) Source {
	return remoteSource{nameOpts: nameOpts, opts: opts}
}

// maxManifest bounds a signature manifest (cosign's hold a few layers).
const maxManifest = 4 << 20

type remoteSource struct {
	nameOpts []name.Option
	opts     []remote.Option
}

func (s remoteSource) Signature(ctx context.Context, repo, tag string) (v1.Image, error) {
	ref, err := name.NewTag(repo+":"+tag, s.nameOpts...)
	if err != nil {
		return nil, fmt.Errorf("signature tag of %s: %w", repo, err)
	}
	return fetchSignature(repo, tag, ref, append([]remote.Option{remote.WithContext(ctx)}, s.opts...))
}

// Lookup maps a normalized repository onto the repository that serves it
// and the options to read it with; the builder's image store provides one
// (image.Store.Remote), so mirrors, insecure registries and credentials
// apply to signatures as they do to pulls.
type Lookup func(ctx context.Context, repo string) (name.Repository, []remote.Option, error)

// Through is a Source reading signature tags where lookup says.
func Through(lookup Lookup) Source { return lookupSource(lookup) }

type lookupSource Lookup

func (l lookupSource) Signature(ctx context.Context, repo, tag string) (v1.Image, error) {
	r, opts, err := l(ctx, repo)
	if err != nil {
		return nil, fmt.Errorf("signature tag of %s: %w", repo, err)
	}
	return fetchSignature(repo, tag, r.Tag(tag), opts)
}

// fetchSignature reads the signature manifest ref, bounded by maxManifest;
// a missing tag is ErrUnsigned.
func fetchSignature(repo, tag string, ref name.Tag, opts []remote.Option) (v1.Image, error) {
	desc, err := remote.Head(ref, opts...)
	if err == nil && desc.Size > maxManifest {
		err = fmt.Errorf("signature manifest of %d bytes, over the %d limit", desc.Size, maxManifest)
	}
	var img v1.Image
	if err == nil {
		img, err = remote.Image(ref, opts...)
	}
	if err != nil {
		if notFound(err) {
			return nil, fmt.Errorf("%w: %s has no tag %s", ErrUnsigned, repo, tag)
		}
		return nil, fmt.Errorf("fetch %s: %w", ref, err)
	}
	return img, nil
}

// notFound reports whether a registry error says the tag does not exist.
func notFound(err error) bool {
	var te *transport.Error
	if !errors.As(err, &te) {
		return false
	}
	if te.StatusCode == http.StatusNotFound {
		return true
	}
	for _, d := range te.Errors {
		if d.Code == transport.ManifestUnknownErrorCode || d.Code == transport.NameUnknownErrorCode {
			return true
		}
	}
	return false
}
