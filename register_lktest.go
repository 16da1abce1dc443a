//go:build lktest

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/hashicorp/hcl/v2/hcldec"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"
	"github.com/hashicorp/packer-plugin-sdk/plugin"
	"github.com/hashicorp/packer-plugin-sdk/template/config"
	"github.com/mitchellh/mapstructure"
	"github.com/zclconf/go-cty/cty"
)

// registerTestComponents adds the post-processor "linuxkit-dump", compiled only
// with the lktest build tag. It writes its input artifact (id, files and every
// state key we publish, HCP metadata included) as JSON to `path`, so tests see
// exactly what crossed Packer's RPC boundary.
func registerTestComponents(pps *plugin.Set) {
	pps.RegisterPostProcessor("dump", new(dumpPostProcessor))
}

type dumpPostProcessor struct {
	Path string `mapstructure:"path"`
	Note string `mapstructure:"note"`
}

// flatDump is the HCL2 shape of dumpPostProcessor (what packer-sdc would generate).
type flatDump struct {
	Path *string `mapstructure:"path" cty:"path" hcl:"path"`
	Note *string `mapstructure:"note" cty:"note" hcl:"note"`
}

func (*flatDump) HCL2Spec() map[string]hcldec.Spec {
	return map[string]hcldec.Spec{
		"path": &hcldec.AttrSpec{Name: "path", Type: cty.String, Required: true},
		"note": &hcldec.AttrSpec{Name: "note", Type: cty.String},
	}
}

// FlatMapstructure lets config.Decode read HCL2 values.
func (p *dumpPostProcessor) FlatMapstructure() interface{ HCL2Spec() map[string]hcldec.Spec } {
	return new(flatDump)
}

func (p *dumpPostProcessor) ConfigSpec() hcldec.ObjectSpec {
	return (&flatDump{}).HCL2Spec()
}

func (p *dumpPostProcessor) Configure(raws ...interface{}) error {
	return config.Decode(p, nil, raws...)
}

func (p *dumpPostProcessor) PostProcess(_ context.Context, _ packersdk.Ui, a packersdk.Artifact) (packersdk.Artifact, bool, bool, error) {
	out := map[string]interface{}{
		"builder_id": a.BuilderId(),
		"id":         a.Id(),
		"files":      a.Files(),
		"string":     a.String(),
		"note":       p.Note,
	}
	for _, k := range []string{"name", "spec_digest", "firmware", "arch", "cmdline", "vm_name", "vmx_path", "datacenter", "sbom", "sbom_digest", "verified"} {
		if v := a.State(k); v != nil {
			out[k] = fmt.Sprint(v)
		}
	}
	for _, k := range []string{"formats", "images", "boot_files", "media_firmware", "boot_tests"} {
		if v := a.State(k); v != nil {
			var m map[string]string
			if err := mapstructure.WeakDecode(v, &m); err != nil {
				return nil, false, false, fmt.Errorf("decoding state %q (%T): %w", k, v, err)
			}
			out[k] = m
		}
	}
	if v := a.State(registryimage.ArtifactStateURI); v != nil {
		var img registryimage.Image
		if err := mapstructure.WeakDecode(v, &img); err != nil {
			return nil, false, false, fmt.Errorf("decoding HCP metadata (%T): %w", v, err)
		}
		out["hcp"] = img
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, false, false, err
	}
	if err := os.WriteFile(p.Path, data, 0o644); err != nil {
		return nil, false, false, err
	}
	return a, true, false, nil
}
