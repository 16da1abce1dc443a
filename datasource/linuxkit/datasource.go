//go:generate go tool packer-sdc mapstructure-to-hcl2 -type Config,DatasourceOutput
//go:generate go tool packer-sdc struct-markdown

// Package linuxkit is the Packer datasource "linuxkit": it resolves a LinuxKit
// spec to pinned image digests and gives it a content digest that pipelines
// use for versioning. It is a thin shell over internal/resolve and shares its
// inputs with the builder through common/specconfig, so both resolve a spec
// to the same digest. It never writes files other than the image cache.
package linuxkit

import (
	"context"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/packer-plugin-sdk/hcl2helper"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/hashicorp/packer-plugin-sdk/template/config"
	"github.com/zclconf/go-cty/cty"

	"github.com/seed844b7c54/packer-plugin-linuxkit/common/specconfig"
)

// Config is the configuration of the `linuxkit` datasource: the same spec and
// image inputs as the builder.
type Config struct {
	specconfig.SpecConfig `mapstructure:",squash"`
}

// DatasourceOutput is what `data.linuxkit.<name>` exposes.
type DatasourceOutput struct {
	// The merged spec with every image pinned as `repo@sha256:<digest>`
	// and every `files[].source` made absolute. Feed it to the builder's
	// `spec` to build exactly what was resolved.
	YAML string `mapstructure:"yaml"`
	// `sha256:…` of the canonical pinned spec (each `files[].source` named
	// by its base name) and of every source file's content; equal to the
	// builder artifact's `Id()`, independent of where the checkout lives.
	Digest string `mapstructure:"digest"`
	// The pinned kernel image reference.
	Kernel string `mapstructure:"kernel"`
	// Every image by component: `kernel`, `init/<n>`, `onboot/<nnn>-<name>`,
	// `onshutdown/<nnn>-<name>`, `services/<name>`, `volumes/<name>`.
	Images map[string]string `mapstructure:"images"`
}

// Datasource is the Packer datasource "linuxkit".
type Datasource struct {
	config Config
}

// ConfigSpec returns the HCL2 schema of the datasource's inputs.
func (d *Datasource) ConfigSpec() hcldec.ObjectSpec { return d.config.FlatMapstructure().HCL2Spec() }

// OutputSpec returns the HCL2 schema of the datasource's outputs.
func (d *Datasource) OutputSpec() hcldec.ObjectSpec {
	return (&DatasourceOutput{}).FlatMapstructure().HCL2Spec()
}

// Configure decodes and validates the inputs, including the specs themselves.
func (d *Datasource) Configure(raws ...interface{}) error {
	if err := config.Decode(&d.config, nil, raws...); err != nil {
		return err
	}
	var errs *packersdk.MultiError
	for _, e := range d.config.SpecConfig.Validate() {
		errs = packersdk.MultiErrorAppend(errs, e)
	}
	if errs != nil && len(errs.Errors) > 0 {
		return errs
	}
	return nil
}

// Execute resolves every image to its digest and returns the pinned spec.
func (d *Datasource) Execute() (cty.Value, error) {
	store, err := d.config.OpenStore(nil)
	if err != nil {
		return cty.NullVal(cty.EmptyObject), err
	}
	out, err := d.config.Resolve(context.Background(), store)
	if err != nil {
		return cty.NullVal(cty.EmptyObject), err
	}
	return hcl2helper.HCL2ValueFromConfig(DatasourceOutput{
		YAML:   out.YAML,
		Digest: out.Digest,
		Kernel: out.Kernel,
		Images: out.Images,
	}, d.OutputSpec()), nil
}
