package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// retry runs try until it succeeds, fails in a way retryable rejects, ctx
// ends, or Options.Retry.Steps attempts were made, waiting with the Store's
// backoff in between. Every retry is announced through notice, naming
// what. It returns the number of attempts made and the last error.
func (s *Store) retry(ctx context.Context, what string, try func() error) (int, error) {
	b := s.opts.Retry
	delay := b.Duration
	for attempt := 1; ; attempt++ {
		err := try()
		if err == nil {
			return attempt, nil
		}
		if attempt >= b.Steps || !retryable(err) || ctx.Err() != nil {
			return attempt, err
		}
		s.notice("%s: attempt %d of %d failed, retrying: %v", what, attempt, b.Steps, err)
		wait := delay + time.Duration(b.Jitter*rand.Float64()*float64(delay))
		select {
		case <-ctx.Done():
			return attempt, ctx.Err()
		case <-time.After(wait):
		}
		if b.Factor > 0 {
			delay = time.Duration(float64(delay) * b.Factor)
		}
		if b.Cap > 0 && delay > b.Cap {
			delay = b.Cap
		}
	}
}

// retryable reports whether a registry read may succeed on another
// attempt: a stalled, truncated or reset body, or content that did not
// match its digest in transit. A local cache failure never is.
func retryable(err error) bool {
	if errors.As(err, new(*writeError)) {
		return false
	}
	if _, ok := isStall(err); ok {
		return true
	}
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, ErrCorrupt), strings.Contains(err.Error(), "error verifying"):
		return true
	}
	// Status codes and failed connections were already retried by the
	// transport; retrying them here too would multiply the attempts.
	return false
}

// gaveUp builds the error for a registry read of image r (blob: the digest
// concerned, or "") that failed after attempts tries: a stall says how long
// the registry was silent and how often it was tried, a local cache
// failure is ErrCache, never ErrUnreachable.
func (s *Store) gaveUp(r reference, rr remoteRef, blob string, attempts int, err error) error {
	var ie *Error
	if errors.As(err, &ie) {
		return err
	}
	e := &Error{Ref: r.name, Registry: rr.describe(), Blob: blob, Err: err, insecure: s.isInsecure(rr.host)}
	if se, ok := isStall(err); ok {
		e.Kind = ErrStalled
		e.Err = fmt.Errorf("%w, gave up after %d tries", se, attempts)
		return e
	}
	e.Kind = classify(err)
	switch {
	case e.Kind == ErrCache:
		e.Registry = "" // the registry did nothing wrong: say so by not naming it
	case errors.Is(err, ErrCorrupt) || strings.Contains(err.Error(), "error verifying"):
		e.Kind = ErrCorrupt
	}
	return e
}

// getManifest fetches the manifest or index ref names, retrying stalled
// and truncated reads, and refuses one larger than maxMetaBlob before
// anything of it is written. Each attempt holds a slot of the manifest
// pool, so at most Options.Parallel manifests are fetched at once.
func (s *Store) getManifest(ctx context.Context, puller *remote.Puller, r reference, rr remoteRef, ref string) (*remote.Descriptor, error) {
	nref := rr.ref
	if ref != "" {
		nref = rr.repo.Digest(ref)
	}
	var desc *remote.Descriptor
	attempts, err := s.retry(ctx, fmt.Sprintf("image %s: manifest %s", r.name, nref.Identifier()), func() error {
		release, err := takeSlot(ctx, s.meta)
		if err != nil {
			return err
		}
		defer release()
		desc, err = puller.Get(ctx, nref)
		return err
	})
	if err != nil {
		return nil, s.gaveUp(r, rr, "", attempts, err)
	}
	if err := checkMetaSize(desc.Digest, int64(len(desc.Manifest))); err != nil {
		return nil, &Error{Ref: r.name, Registry: rr.describe(), Kind: ErrUnsupported, Err: err}
	}
	return desc, nil
}

// checkMetaSize refuses a manifest, index or config of size bytes when it
// is past maxMetaBlob, the one limit for metadata both when it is fetched
// and when it is read back from the cache.
func checkMetaSize(h v1.Hash, size int64) error {
	if size > maxMetaBlob {
		return fmt.Errorf("%s is %d bytes, more than the %d (%d MiB) allowed for a manifest, index or config",
			h, size, int64(maxMetaBlob), maxMetaBlob>>20)
	}
	return nil
}
