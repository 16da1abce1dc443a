package image

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Pull makes every ref available in the cache for linux/Arch and returns
// what each one resolved to, keyed by the refs exactly as given.
//
// Every image is pulled at once: its manifests and config go through the
// bounded manifest pool, its layers through the bounded blob pool, so an
// image waiting for layers never keeps another from being resolved. Every blob's
// digest and size are checked before it enters the cache, and cached blobs
// are re-hashed before they are trusted, so a damaged blob is fetched
// again. The policy decides when the network is
// used:
//   - PullMissing: only for refs whose image is not complete and intact in
//     the cache (a cached tag is taken from the cache's ref-name entry);
//   - PullAlways: tags are always re-resolved; intact digest refs still
//     come from the cache;
//   - PullNever: never; the error then lists every missing image at once
//     (*MissingError).
func (s *Store) Pull(ctx context.Context, refs []string) (map[string]Pinned, error) {
	byInput := make(map[string]reference, len(refs))
	unique := map[string]reference{}
	var bad []error
	for _, in := range refs {
		r, err := parseReference(in)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		byInput[in] = r
		unique[r.name] = r
	}
	if len(bad) > 0 {
		return nil, errors.Join(bad...)
	}

	var puller *remote.Puller
	if s.opts.Pull != PullNever {
		var err error
		if puller, err = s.newPuller(ctx); err != nil {
			return nil, err
		}
	}
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		pinned = make(map[string]Pinned, len(unique))
		failed = map[string]error{}
	)
	for _, r := range unique {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := s.pullOne(ctx, puller, r)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed[r.name] = err
			} else {
				pinned[r.name] = p
			}
		}()
	}
	wg.Wait()
	if len(failed) > 0 {
		return nil, s.pullError(failed)
	}
	out := make(map[string]Pinned, len(byInput))
	for in, r := range byInput {
		out[in] = pinned[r.name]
	}
	return out, nil
}

// pullError combines the per-image failures, sorted by reference; with
// PullNever they become one *MissingError.
func (s *Store) pullError(failed map[string]error) error {
	names := make([]string, 0, len(failed))
	for n := range failed {
		names = append(names, n)
	}
	sort.Strings(names)
	if s.opts.Pull == PullNever {
		var missing []*Error
		var other []error
		for _, n := range names {
			var ie *Error
			if errors.As(failed[n], &ie) && (errors.Is(ie, ErrNotCached) || errors.Is(ie, ErrCorrupt)) {
				missing = append(missing, ie)
			} else {
				other = append(other, failed[n])
			}
		}
		if len(missing) > 0 {
			other = append([]error{newMissingError(s.opts.CacheDir, missing)}, other...)
		}
		return errors.Join(other...)
	}
	errs := make([]error, len(names))
	for i, n := range names {
		errs[i] = failed[n]
	}
	return errors.Join(errs...)
}

// pullOne serves r from the cache when the policy allows and the cached
// image is intact, and fetches it otherwise.
func (s *Store) pullOne(ctx context.Context, puller *remote.Puller, r reference) (Pinned, error) {
	if s.opts.Pull != PullAlways || r.hasDigest() {
		p, err := s.fromCache(ctx, r)
		if err == nil {
			s.logf("image %s: in cache as %s", r.name, p.Digest)
			return p, nil
		}
		if s.opts.Pull == PullNever {
			return Pinned{}, err
		}
		if ctx.Err() != nil {
			return Pinned{}, &Error{Ref: r.name, Err: ctx.Err()}
		}
		if !errors.Is(err, ErrNotCached) {
			s.notice("image %s: cached copy unusable, fetching it again: %v", r.name, err)
		}
	}
	return s.fetch(ctx, puller, r)
}

// fromCache checks that r's platform image is complete and intact in the
// cache, re-hashing every blob.
func (s *Store) fromCache(ctx context.Context, r reference) (Pinned, error) {
	root, found, err := s.cache.lookup(r)
	if err != nil {
		return Pinned{}, &Error{Ref: r.name, Kind: ErrCache, Err: err}
	}
	if !found {
		return Pinned{}, &Error{Ref: r.name, Kind: ErrNotCached, Err: fmt.Errorf("cache %s has no entry for it", s.opts.CacheDir)}
	}
	pm, err := s.platformManifest(r, root)
	if err != nil {
		return Pinned{}, err
	}
	cfg, err := s.cache.readBlob(pm.manifest.Config.Digest, pm.manifest.Config.Size)
	if err != nil {
		return Pinned{}, s.cacheError(r, pm.manifest.Config.Digest, err)
	}
	if pm.desc.Digest == root.Digest { // not reached through an index: check the config's platform
		if err := checkConfigPlatform(cfg, s.opts.Arch); err != nil {
			return Pinned{}, &Error{Ref: r.name, Kind: ErrPlatform, Err: err}
		}
	}
	if err := s.verifyLayers(ctx, r, pm.manifest.Layers); err != nil {
		return Pinned{}, err
	}
	if s.opts.Pull != PullNever { // never: Attestations reports what is missing, the build goes on
		if err := s.checkCachedAttestations(r, root, pm); err != nil {
			return Pinned{}, err
		}
	}
	return r.pinned(root.Digest), nil
}

// verifyLayers re-hashes the cached layers through the pool and returns
// the first failure.
func (s *Store) verifyLayers(ctx context.Context, r reference, layers []v1.Descriptor) error {
	errs := make([]error, len(layers))
	var wg sync.WaitGroup
	for i, l := range layers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := s.acquire(ctx)
			if err != nil {
				errs[i] = err
				return
			}
			defer release()
			if err := s.cache.verifyBlob(l.Digest, l.Size); err != nil {
				errs[i] = s.cacheError(r, l.Digest, err)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkConfigPlatform rejects an image whose config names another OS or
// architecture than linux/arch (empty fields are accepted).
func checkConfigPlatform(raw []byte, arch string) error {
	cf, err := v1.ParseConfigFile(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("parse image config: %w", err)
	}
	if (cf.OS != "" && cf.OS != "linux") || (cf.Architecture != "" && cf.Architecture != arch) {
		return fmt.Errorf("the image is for %s/%s, not linux/%s", cf.OS, cf.Architecture, arch)
	}
	return nil
}
