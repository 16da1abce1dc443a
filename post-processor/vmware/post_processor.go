package vmware

import (
	"context"
	"fmt"

	"github.com/hashicorp/hcl/v2/hcldec"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/hashicorp/packer-plugin-sdk/template/config"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"
	"github.com/mitchellh/mapstructure"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/desktop"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vsphere"
)

// pluginType names this post-processor to config.Decode (used in its
// messages about deprecated options).
const pluginType = "packer.post-processor.linuxkit-vmware"

// PostProcessor is the Packer post-processor "linuxkit-vmware" (registered as
// "vmware" in the plugin set). It makes a VMware VM from the linuxkit
// builder's artifact on the configured target.
//
// Keep semantics: PostProcess returns keep=false and forceOverride=false, so
// the template's keep_input_artifact alone decides whether the builder's files
// are kept. If a post-processor fails, Packer destroys the builder's files.
type PostProcessor struct {
	config Config
}

var _ packersdk.PostProcessor = new(PostProcessor)

// ConfigSpec returns the HCL2 schema of the configuration, generated from
// Config by packer-sdc.
func (p *PostProcessor) ConfigSpec() hcldec.ObjectSpec {
	return p.config.FlatMapstructure().HCL2Spec()
}

// Configure decodes the template's configuration (interpolating it as every
// Packer plugin does), applies the defaults and the
// environment fallbacks, and validates everything that can be checked
// without contacting vCenter or running vmrun. It reports every problem at
// once.
func (p *PostProcessor) Configure(raws ...interface{}) error {
	var md mapstructure.Metadata
	err := config.Decode(&p.config, &config.DecodeOpts{
		Metadata:           &md,
		PluginType:         pluginType,
		Interpolate:        true,
		InterpolateContext: &p.config.ctx,
		InterpolateFilter:  &interpolate.RenderFilter{},
	}, raws...)
	if err != nil {
		return fmt.Errorf("linuxkit-vmware: %w", err)
	}
	var errs *packersdk.MultiError
	errs = packersdk.MultiErrorAppend(errs, p.config.Prepare(md.Keys)...)
	if errs != nil && len(errs.Errors) > 0 {
		return errs
	}
	return nil
}

// Config returns a copy of the configuration as Configure left it, with the
// defaults known before an artifact exists applied.
func (p *PostProcessor) Config() Config { return p.config }

// PostProcess makes the VM from the artifact of the linuxkit builder. On the
// desktop targets (fusion, workstation) it runs desktop.Run and returns a
// *desktop.Artifact; on target vsphere it runs vsphere.Run and returns a
// *vsphere.Artifact. It returns keep=false and forceOverride=false, so
// keep_input_artifact decides.
func (p *PostProcessor) PostProcess(ctx context.Context, ui packersdk.Ui, source packersdk.Artifact) (packersdk.Artifact, bool, bool, error) {
	a, err := p.run(ctx, ui, source)
	if err != nil {
		return nil, false, false, fmt.Errorf("linuxkit-vmware (target %q): %w", p.config.Target, err)
	}
	return a, false, false, nil
}

// run dispatches on the target. It returns an untyped nil with an error, so
// the caller never holds a nil *Artifact inside a non-nil interface.
func (p *PostProcessor) run(ctx context.Context, ui packersdk.Ui, source packersdk.Artifact) (packersdk.Artifact, error) {
	c := p.config // a copy: a post-processor may run once per build
	job := common.Job{Packer: c.PackerConfig, Target: c.Target, Hardware: c.HardwareConfig}
	if c.Target == common.TargetVSphere {
		a, err := vsphere.Run(ctx, ui, source, job, c.VSphereConfig)
		if err != nil {
			return nil, err
		}
		return a, nil
	}
	a, err := desktop.Run(ctx, ui, source, job, c.DesktopConfig)
	if err != nil {
		return nil, err
	}
	return a, nil
}
