//go:generate go tool packer-sdc mapstructure-to-hcl2 -type SpecConfig
//go:generate go tool packer-sdc struct-markdown

package specconfig

import (
	"errors"
	"fmt"
	"strings"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/image"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/spec"
)

// UnknownValue is what HCL2 hands a component for a value that is only known
// later, such as a datasource output during `packer validate`; Validate
// accepts it and Resolve refuses it with an explanation.
const UnknownValue = "<unknown>"

// SpecConfig names a LinuxKit spec and where its images come from. The
// builder and the datasource share it, so both resolve a spec the same way.
type SpecConfig struct {
	// LinuxKit YAML files, merged in order exactly like
	// `linuxkit build a.yml b.yml`. Relative paths resolve from the current
	// directory, as everywhere in Packer (use `path.root`). A file's
	// `files[].source` entries resolve from the directory of that YAML file.
	SpecFiles []string `mapstructure:"spec_files"`
	// Inline LinuxKit YAML, merged after `spec_files`. At least one of the
	// two is required. Use it with `data.linuxkit.x.yaml` to build exactly
	// what the datasource resolved.
	Spec string `mapstructure:"spec"`
	// Target architecture: `amd64` or `arm64` (for arm64 the builder writes
	// `kernel+initrd`, `tar` and the EFI formats; arm64 has no BIOS).
	// Defaults to `amd64`.
	Arch string `mapstructure:"arch"`
	// When to contact registries: `missing` (only for images not in the
	// cache), `always` (re-resolve every tag) or `never` (offline: a clear
	// error names every image the cache lacks). Defaults to `missing`.
	Pull string `mapstructure:"pull"`
	// OCI image-layout cache, compatible with linuxkit's. Defaults to
	// `$LINUXKIT_CACHE`, else `~/.linuxkit/cache`.
	CacheDir string `mapstructure:"cache_dir"`
	// Map from a registry host to a mirror host, e.g.
	// `{ "docker.io" = "mirror.example.com:5000" }`. The cache still records
	// the original reference.
	RegistryMirrors map[string]string `mapstructure:"registry_mirrors"`
	// Registry hosts reached over plain HTTP instead of HTTPS.
	InsecureRegistries []string `mapstructure:"insecure_registries"`
}

// Validate applies defaults and validates the options; it parses and
// validates every spec so that `packer validate` reports spec errors with
// file:line:column and the field path. The builder's and the datasource's
// Prepare call it.
func (c *SpecConfig) Validate() []error {
	var errs []error
	if c.Arch == "" {
		c.Arch = "amd64"
	}
	if c.Arch != "amd64" && c.Arch != "arm64" {
		errs = append(errs, fmt.Errorf("arch: %q is not supported; use \"amd64\" or \"arm64\"", c.Arch))
	}
	if c.Pull == "" {
		c.Pull = "missing"
	}
	if _, err := image.ParsePolicy(c.Pull); err != nil {
		errs = append(errs, fmt.Errorf("pull: %w", err))
	}
	if c.CacheDir == "" {
		c.CacheDir = image.DefaultCacheDir()
	}
	for from, to := range c.RegistryMirrors {
		if from == "" || to == "" || strings.Contains(from, "/") || strings.Contains(to, "/") {
			errs = append(errs, fmt.Errorf("registry_mirrors: %q = %q: map a registry host to a mirror host[:port], without a scheme or path", from, to))
		}
	}
	if len(c.SpecFiles) == 0 && c.Spec == "" {
		errs = append(errs, errors.New("a spec is required: set spec_files, spec, or both"))
		return errs
	}
	if _, err := c.Load(); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// Known reports whether every spec input is known now; during `packer
// validate` without -evaluate-datasources an inline spec fed from a
// datasource arrives as "<unknown>" and can only be checked at build time.
func (c *SpecConfig) Known() bool {
	if c.Spec == UnknownValue {
		return false
	}
	for _, f := range c.SpecFiles {
		if f == UnknownValue {
			return false
		}
	}
	return true
}

// Load reads, parses, validates and merges the spec files and the inline
// spec. It returns (nil, nil) when an input is not known yet (see Known).
func (c *SpecConfig) Load() (*spec.Spec, error) {
	if !c.Known() {
		return nil, nil
	}
	var specs []*spec.Spec
	var errs []error
	for _, name := range c.SpecFiles {
		data, err := safeio.ReadRegular(name, "spec file", maxSpecFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("spec_files: %w", err))
			continue
		}
		s, err := spec.Parse(name, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		specs = append(specs, s)
	}
	if c.Spec != "" {
		s, err := spec.Parse("spec", []byte(c.Spec))
		if err != nil {
			errs = append(errs, err)
		} else {
			specs = append(specs, s)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	merged, err := spec.Merge(specs...)
	if err != nil {
		return nil, fmt.Errorf("merging specs: %w", err)
	}
	for i, v := range merged.Volumes {
		if v.Format != "" && v.Format != "filesystem" {
			errs = append(errs, fmt.Errorf("%s: volumes[%d].format: %q is not supported by this plugin yet; use \"filesystem\" (the default)", v.Pos, i, v.Format))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return merged, nil
}

// maxSpecFile bounds one spec file: LinuxKit specs are kilobytes, and a
// bound keeps a wrong path (a log, a device) from filling memory.
const maxSpecFile = 16 << 20
