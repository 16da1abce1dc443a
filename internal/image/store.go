package image

import (
	"context"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/singleflight"
)

// userAgent identifies this package to registries.
const userAgent = "packer-plugin-linuxkit"

// retryStatusCodes are the HTTP statuses retried with backoff.
var retryStatusCodes = []int{
	http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
	http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout,
}

// Store resolves, pulls and reads OCI images through an on-disk cache. It
// is safe for concurrent use, and several Stores (in one process or many,
// linuxkit included) may share one cache directory.
type Store struct {
	opts      Options
	cache     *cache
	transport http.RoundTripper
	pool      chan struct{} // bounded blob-fetch/verify pool
	meta      chan struct{} // bounded manifest-fetch pool
	flight    singleflight.Group
	rep       *reporter
}

// New validates opts, fills in defaults and opens (creating if needed) the
// cache directory as an OCI image layout.
func New(opts Options) (*Store, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("image store options: %w", err)
	}
	c, err := openCache(o.CacheDir, o.Pull == PullNever)
	if err != nil {
		return nil, err
	}
	s := &Store{
		opts:  o,
		cache: c,
		pool:  make(chan struct{}, o.Parallel),
		meta:  make(chan struct{}, o.Parallel),
		rep:   &reporter{fn: o.Progress},
	}
	s.transport = &watchTransport{base: newTransport(o.Insecure), idle: o.StallTimeout, tries: o.Retry.Steps, notice: s.notice}
	return s, nil
}

// CacheDir returns the cache directory the Store uses.
func (s *Store) CacheDir() string { return s.opts.CacheDir }

// Arch returns the architecture whose images the Store selects.
func (s *Store) Arch() string { return s.opts.Arch }

// logf forwards to Options.Logf when set.
func (s *Store) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

// notice forwards an event the user should see to Options.Notice, and to
// Options.Logf.
func (s *Store) notice(format string, args ...any) {
	if s.opts.Notice != nil {
		s.opts.Notice(format, args...)
	}
	s.logf(format, args...)
}

// newPuller returns a registry client for one Resolve or Pull call; it
// reuses authentication per repository.
func (s *Store) newPuller(ctx context.Context) (*remote.Puller, error) {
	p, err := remote.NewPuller(
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(s.opts.Keychain),
		remote.WithTransport(s.transport),
		remote.WithRetryBackoff(s.opts.Retry),
		remote.WithRetryStatusCodes(retryStatusCodes...),
		// The library's own limit counts every blob GET, layers and configs
		// alike; the Store's two pools are the bounds, so it must not bind
		// below their sum.
		remote.WithJobs(2*s.opts.Parallel),
		remote.WithUserAgent(userAgent),
	)
	if err != nil {
		return nil, fmt.Errorf("registry client: %w", err)
	}
	return p, nil
}

// acquire takes a slot of the blob pool, or fails when ctx ends first.
func (s *Store) acquire(ctx context.Context) (release func(), err error) {
	return takeSlot(ctx, s.pool)
}

// takeSlot takes a slot of pool, or fails when ctx ends first.
func takeSlot(ctx context.Context, pool chan struct{}) (release func(), err error) {
	select {
	case pool <- struct{}{}:
		return func() { <-pool }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
