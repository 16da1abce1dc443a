package image

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Remote returns where repo (a normalized repository such as
// "docker.io/linuxkit/init") is read from: its mirror when one is
// configured, over plain HTTP when that host is listed as insecure; and the
// registry client options the store's pulls use (credentials, the transport
// with its stall timeout, retries, user agent). It serves readers of what a
// registry keeps beside an image, such as cosign signature tags, so they
// reach the registry exactly as the pulls do. It does not touch the cache.
func (s *Store) Remote(ctx context.Context, repo string) (name.Repository, []remote.Option, error) {
	r, err := parseReference(repo)
	if err != nil {
		return name.Repository{}, nil, fmt.Errorf("repository %s: %w", repo, err)
	}
	rr, err := s.remoteRef(r)
	if err != nil {
		return name.Repository{}, nil, err
	}
	return rr.repo, []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(s.opts.Keychain),
		remote.WithTransport(s.transport),
		remote.WithRetryBackoff(s.opts.Retry),
		remote.WithRetryStatusCodes(retryStatusCodes...),
		remote.WithUserAgent(userAgent),
	}, nil
}
