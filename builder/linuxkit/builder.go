package linuxkit

import (
	"context"
	"errors"
	"fmt"
	"log"
	"maps"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/packer-plugin-sdk/multistep"
	"github.com/hashicorp/packer-plugin-sdk/multistep/commonsteps"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/common/progress"
	"github.com/seed844b7c54/packer-plugin-linuxkit/common/specconfig"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/media"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/resolve"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/rootfs"
)

// Builder is the Packer builder "linuxkit".
type Builder struct {
	config Config
}

// ConfigSpec returns the HCL2 schema of the builder's options.
func (b *Builder) ConfigSpec() hcldec.ObjectSpec { return b.config.FlatMapstructure().HCL2Spec() }

// Prepare validates the configuration, including every spec it names.
func (b *Builder) Prepare(raws ...interface{}) ([]string, []string, error) {
	warnings, err := b.config.Prepare(raws...)
	if err != nil {
		return nil, warnings, err
	}
	return nil, warnings, nil
}

// Run builds the artifacts: resolve and pull, assemble the filesystem, write
// each format, then the checksums. A failure or cancel at any point removes
// the output directory.
func (b *Builder) Run(ctx context.Context, ui packersdk.Ui, _ packersdk.Hook) (packersdk.Artifact, error) {
	c := &b.config
	state := new(multistep.BasicStateBag)
	state.Put(stateUI, ui)

	// One image store serves the whole build: the spec's images and the
	// bootloader image come from the same cache through the same client.
	bars := progress.NewSet(ui)
	defer bars.Close()
	store, err := c.OpenStore(specconfig.StoreHooks{
		Progress: pullProgress(ui, bars),
		Notice:   func(format string, args ...any) { ui.Say(fmt.Sprintf(format, args...)) },
		Logf:     log.Printf,
	})
	if err != nil {
		ui.Error(err.Error())
		return nil, err
	}

	has := func(f string) bool { return contains(c.Formats, f) }
	needsBIOS := c.hasFirmware(artifact.FirmwareBIOS)
	needsEFI := c.hasFirmware(artifact.FirmwareEFI)
	steps := []multistep.Step{&stepResolve{config: &c.SpecConfig, store: store}}
	if v := c.Verify; v != nil { // before anything is written
		steps = append(steps, &stepVerify{keys: v.keys, patterns: v.Images, store: store})
	}
	sbomOn := c.SBOM == nil || *c.SBOM
	writesInitrd := has(FormatKernelInitrd) || needsBIOS || needsEFI
	if needsBIOS {
		steps = append(steps, &stepBootLoader{dir: c.BootloaderDir, imageRef: c.BootloaderImage, store: store})
	}
	if needsEFI {
		steps = append(steps, &stepEFIStub{arch: c.Arch, dir: c.BootloaderDir, imageRef: c.BootloaderImage, store: store})
	}
	reuse := reuseOn(c)
	if reuse { // every input is known from here on; the steps after it write
		steps = append(steps, &stepReuse{config: c})
	}
	first := len(steps)
	steps = append(steps,
		&stepOutputDir{dir: c.OutputDir, force: c.PackerForce, specFiles: c.SpecFiles, cacheDir: c.CacheDir},
		&stepAssemble{store: store},
	)
	if writesInitrd {
		steps = append(steps, &stepKernelInitrd{name: c.OutputName, keep: has(FormatKernelInitrd), scan: sbomOn,
			fast: c.InitrdCompression == InitrdSpeed})
	}
	if has(FormatTar) {
		steps = append(steps, &stepTar{name: c.OutputName, scan: sbomOn && !writesInitrd})
	}
	for _, f := range allFormats {
		if _, bootable := artifact.FormatFirmware(f); bootable && has(f) {
			steps = append(steps, &stepMedia{format: f, name: c.OutputName, arch: c.Arch, diskSize: c.diskSize, subformat: c.VMDKSubformat})
		}
	}
	for _, f := range []string{FormatOVF, FormatOVA} {
		if has(f) {
			steps = append(steps, c.ovfStep(f))
		}
	}
	if sbomOn {
		steps = append(steps, &stepSBOM{name: c.OutputName, store: store})
	}
	steps = append(steps, &stepChecksums{name: c.OutputName})
	if c.BootTest != nil { // after the checksums: the console logs hold timings, so the sums leave them out
		steps = append(steps, &stepBootTest{name: c.OutputName, arch: c.Arch, cfg: c.BootTest})
	}

	if reuse {
		steps = append(steps[:first], unlessReusedAll(steps[first:])...)
	}
	commonsteps.NewRunner(steps, c.PackerConfig, ui).Run(ctx, state)
	if err, ok := state.GetOk("error"); ok {
		return nil, err.(error)
	}
	if _, ok := state.GetOk(multistep.StateCancelled); ok {
		return nil, errors.New("build was cancelled")
	}
	if _, ok := state.GetOk(multistep.StateHalted); ok {
		return nil, errors.New("build was halted")
	}
	if v, ok := state.GetOk(stateReused); ok {
		return v.(*Artifact), nil
	}
	r := state.Get(stateResolved).(*resolve.Resolved)
	out := state.Get(stateOutputs).(*outputs)
	a := &Artifact{
		Dir:        out.dir,
		Paths:      out.paths,
		OutputName: c.OutputName,
		SpecDigest: r.Digest,
		Formats:    out.formats,
		Images:     r.Images,
		Arch:       c.Arch,
	}
	if has(FormatOVA) || has(FormatOVF) {
		a.OVFFirmware = c.OVFFirmware
	}
	if v, ok := state.GetOk(statePlan); ok {
		a.Cmdline = v.(*rootfs.Plan).Cmdline()
	}
	a.BootFiles = map[string]string{}
	if v, ok := state.GetOk(stateBootFiles); ok {
		maps.Copy(a.BootFiles, v.(media.BootFiles).Sums())
	}
	if v, ok := state.GetOk(stateEFIStub); ok {
		maps.Copy(a.BootFiles, v.(media.EFIStub).Sums())
	}
	a.gate(state)
	if key, ok := state.GetOk(stateReuseKey); ok {
		sums, _ := state.GetOk(stateSums)
		sm, _ := sums.(map[string]string)
		if err := writeBuildRecord(ctx, key.(string), a, sm); err != nil {
			ui.Error(fmt.Sprintf("The build is not recorded, so the next -force builds it again: %v", err))
		}
	}
	return a, nil
}
