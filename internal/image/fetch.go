package image

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// fetch resolves r on its registry (or mirror) and copies the platform
// image into the cache, then records r in index.json.
func (s *Store) fetch(ctx context.Context, puller *remote.Puller, r reference) (Pinned, error) {
	rr, err := s.remoteRef(r)
	if err != nil {
		return Pinned{}, err
	}
	s.logf("image %s: pulling from %s", r.name, rr.describe())
	desc, err := s.getManifest(ctx, puller, r, rr, "")
	if err != nil {
		return Pinned{}, err
	}
	if r.hasDigest() && desc.Digest != r.digest {
		return Pinned{}, &Error{Ref: r.name, Registry: rr.describe(), Kind: ErrCorrupt,
			Err: fmt.Errorf("registry returned manifest %s", desc.Digest)}
	}
	root := v1.Descriptor{MediaType: mediaTypeOf(desc.Descriptor, desc.Manifest), Size: desc.Size, Digest: desc.Digest}
	switch {
	case root.MediaType.IsIndex():
		idx, err := v1.ParseIndexManifest(bytes.NewReader(desc.Manifest))
		if err != nil {
			return Pinned{}, &Error{Ref: r.name, Registry: rr.describe(), Kind: ErrUnsupported, Err: err}
		}
		child, err := selectPlatform(idx, s.opts.Arch)
		if err != nil {
			return Pinned{}, &Error{Ref: r.name, Registry: rr.describe(), Kind: ErrPlatform, Err: err}
		}
		if err := checkMetaSize(child.Digest, child.Size); err != nil {
			return Pinned{}, &Error{Ref: r.name, Registry: rr.describe(), Kind: ErrUnsupported, Err: err}
		}
		cd, err := s.getManifest(ctx, puller, r, rr, child.Digest.String())
		if err != nil {
			return Pinned{}, err
		}
		if cd.Digest != child.Digest {
			return Pinned{}, &Error{Ref: r.name, Registry: rr.describe(), Kind: ErrCorrupt, Blob: child.Digest.String(),
				Err: fmt.Errorf("registry returned manifest %s", cd.Digest)}
		}
		if err := s.fetchImage(ctx, puller, r, rr, child, cd.Manifest, false, true); err != nil {
			return Pinned{}, err
		}
		if err := s.fetchAttestations(ctx, puller, r, rr, idx, child.Digest); err != nil {
			return Pinned{}, err
		}
	case root.MediaType.IsImage():
		if err := s.fetchImage(ctx, puller, r, rr, root, desc.Manifest, true, true); err != nil {
			return Pinned{}, err
		}
	default:
		return Pinned{}, &Error{Ref: r.name, Registry: rr.describe(), Kind: ErrUnsupported,
			Err: fmt.Errorf("media type %q is neither an image nor an index", root.MediaType)}
	}
	if err := s.cache.writeBlob(root.Digest, root.Size, bytes.NewReader(desc.Manifest)); err != nil {
		return Pinned{}, s.cacheError(r, root.Digest, err)
	}
	if err := s.cache.setRef(r.name, root); err != nil {
		return Pinned{}, &Error{Ref: r.name, Kind: ErrCache, Err: err}
	}
	s.logf("image %s: cached as %s", r.name, root.Digest)
	return r.pinned(root.Digest), nil
}

// fetchImage copies one image's config and layers, then its manifest, into
// the cache. checkPlatform verifies the config's os/arch (for images not
// reached through an index, whose platform was not checked yet); track
// reports the layers' progress (the image's, not its attestations').
func (s *Store) fetchImage(ctx context.Context, puller *remote.Puller, r reference, rr remoteRef,
	mdesc v1.Descriptor, raw []byte, checkPlatform, track bool) error {
	m, err := parseImageManifest(mdesc, raw)
	if err != nil {
		return &Error{Ref: r.name, Registry: rr.describe(), Kind: ErrUnsupported, Err: err}
	}
	var total int64
	for _, l := range m.Layers {
		total += l.Size
	}
	if err := checkMetaSize(m.Config.Digest, m.Config.Size); err != nil {
		return &Error{Ref: r.name, Registry: rr.describe(), Kind: ErrUnsupported, Blob: m.Config.Digest.String(), Err: err}
	}
	var tr *tracker
	if track {
		tr = s.rep.newTracker(r.name, total)
		tr.add(0)
	}
	if err := s.fetchConfig(ctx, puller, r, rr, m.Config, checkPlatform); err != nil {
		return err
	}
	errs := make([]error, len(m.Layers))
	var wg sync.WaitGroup
	for i, l := range m.Layers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.ensureBlob(ctx, s.pool, puller, r, rr, l, tr)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := s.cache.writeBlob(mdesc.Digest, mdesc.Size, bytes.NewReader(raw)); err != nil {
		return s.cacheError(r, mdesc.Digest, err)
	}
	return nil
}

// fetchConfig makes the image config d present and intact in the cache
// and, when checkPlatform is set, checks that it names linux/Arch. A config
// is metadata, as small as a manifest: it goes through the manifest pool,
// so it never waits behind the layers.
func (s *Store) fetchConfig(ctx context.Context, puller *remote.Puller, r reference, rr remoteRef, d v1.Descriptor, checkPlatform bool) error {
	if err := s.ensureBlob(ctx, s.meta, puller, r, rr, d, nil); err != nil {
		return err
	}
	cfg, err := s.cache.readBlob(d.Digest, d.Size)
	if err != nil {
		return s.cacheError(r, d.Digest, err)
	}
	if checkPlatform {
		if err := checkConfigPlatform(cfg, s.opts.Arch); err != nil {
			return &Error{Ref: r.name, Registry: rr.describe(), Kind: ErrPlatform, Err: err}
		}
	}
	return nil
}

// ensureBlob makes blob d present and intact in the cache, holding a slot
// of pool (the blob or the manifest pool) while it checks and downloads: an
// intact cached copy is kept, anything else is downloaded. Concurrent
// requests for one digest share a single download; a caller whose shared
// download was cancelled by another caller's context tries again itself.
func (s *Store) ensureBlob(ctx context.Context, pool chan struct{}, puller *remote.Puller, r reference, rr remoteRef, d v1.Descriptor, tr *tracker) error {
	for {
		ran := false
		_, err, _ := s.flight.Do(d.Digest.String(), func() (any, error) {
			ran = true
			release, err := takeSlot(ctx, pool)
			if err != nil {
				return nil, err
			}
			defer release()
			verr := s.cache.verifyBlob(d.Digest, d.Size)
			if verr == nil {
				tr.add(d.Size)
				return nil, nil
			}
			if errors.Is(verr, ErrCorrupt) {
				s.notice("image %s: cached blob %s is damaged (%v), fetching it again", r.name, d.Digest, verr)
			}
			return nil, s.download(ctx, puller, r, rr, d, tr)
		})
		switch {
		case ran:
			return err
		case err == nil:
			tr.add(d.Size)
			return nil
		case ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
			continue
		default:
			return err
		}
	}
}

// download fetches blob d into the cache, retrying transient failures
// (stalled, truncated or reset bodies, digest mismatches in transit) with
// the Store's backoff; HTTP status retries happen below, in the transport.
// Progress never goes backwards: a retry reports only the bytes beyond
// what an earlier attempt reached.
func (s *Store) download(ctx context.Context, puller *remote.Puller, r reference, rr remoteRef, d v1.Descriptor, tr *tracker) error {
	var high int64 // most bytes of d reported so far
	attempts, err := s.retry(ctx, fmt.Sprintf("image %s: blob %s", r.name, d.Digest), func() error {
		var pos int64
		return s.downloadOnce(ctx, puller, rr, d, func(n int64) {
			if pos += n; pos > high {
				tr.add(pos - high)
				high = pos
			}
		})
	})
	if err != nil {
		return s.gaveUp(r, rr, d.Digest.String(), attempts, err)
	}
	return nil
}

// downloadOnce streams blob d from the registry into the cache, counting
// bytes into add.
func (s *Store) downloadOnce(ctx context.Context, puller *remote.Puller, rr remoteRef, d v1.Descriptor, add func(int64)) error {
	layer, err := puller.Layer(ctx, rr.repo.Digest(d.Digest.String()))
	if err != nil {
		return err
	}
	rc, err := layer.Compressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	return s.cache.writeBlob(d.Digest, d.Size, &countingReader{r: rc, add: add})
}
