package specconfig

import (
	"context"
	"fmt"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/image"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/resolve"
)

// StoreOptions turns the spec inputs into image-store options. Validate
// has checked the pull policy; the error is returned all the same, so a
// caller that skipped Validate gets it instead of a silent default.
func (c *SpecConfig) StoreOptions() (image.Options, error) {
	policy, err := image.ParsePolicy(c.Pull)
	if err != nil {
		return image.Options{}, fmt.Errorf("pull: %w", err)
	}
	return image.Options{
		CacheDir: c.CacheDir,
		Arch:     c.Arch,
		Pull:     policy,
		Mirrors:  c.RegistryMirrors,
		Insecure: c.InsecureRegistries,
	}, nil
}

// OpenStore opens the image store (the cache) the options name, reporting
// each image's download to progress when it is not nil. A build opens one
// and uses it for every image it needs.
func (c *SpecConfig) OpenStore(progress func(image.Progress)) (*image.Store, error) {
	opts, err := c.StoreOptions()
	if err != nil {
		return nil, err
	}
	opts.Progress = progress
	store, err := image.New(opts)
	if err != nil {
		return nil, fmt.Errorf("opening the image cache %s: %w", c.CacheDir, err)
	}
	return store, nil
}

// Resolve loads the specs, pulls (or finds in store) every image they name
// and pins each reference to its digest (see resolve.Resolve).
func (c *SpecConfig) Resolve(ctx context.Context, store *image.Store) (*resolve.Resolved, error) {
	s, err := c.Load()
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, fmt.Errorf("the spec is not known yet (%q); this happens when a datasource output is used without -evaluate-datasources", UnknownValue)
	}
	return resolve.Resolve(ctx, store, s)
}
