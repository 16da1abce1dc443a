package linuxkit

import (
	"context"
	"fmt"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/assemble"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/image"
)

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

// Resolve loads the specs, pulls (or finds in the cache) every image they
// name and pins each reference to its digest (see assemble.Resolve). The
// datasource and the builder share it, so their digests agree.
func Resolve(ctx context.Context, c *SpecConfig, progress func(image.Progress)) (*assemble.Resolved, error) {
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
	return assemble.Resolve(ctx, store, s)
}
