package linuxkit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/image"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/resolve"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/sbom"
	"github.com/seed844b7c54/packer-plugin-linuxkit/version"
)

// stepSBOM writes <name>.spdx.json from the pinned images, what the rootfs
// scan found (stateSBOMFound) and the SBOM attestations the images carry
// (read from store's cache), dated SOURCE_DATE_EPOCH or the fixed LinuxKit
// time, so the same pinned spec gives the same bytes.
type stepSBOM struct {
	name  string
	store *image.Store
}

func (s *stepSBOM) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	ui := state.Get(stateUI).(packersdk.Ui)
	out := state.Get(stateOutputs).(*outputs)
	r := state.Get(stateResolved).(*resolve.Resolved)
	created, err := sourceDateEpoch()
	if err != nil {
		return halt(state, err)
	}
	in := sbom.Input{
		Name:       s.name,
		SpecDigest: r.Digest,
		Created:    created,
		Tool:       "packer-plugin-linuxkit-" + version.Version,
		Images:     r.Images,
	}
	if v, ok := state.GetOk(stateSBOMFound); ok {
		in.Found = v.(*sbom.Result)
	}
	if in.Attested, err = attestedDocs(s.store, r.Images, ui.Say); err != nil {
		return halt(state, err)
	}
	doc, err := sbom.Document(in)
	if err != nil {
		return halt(state, err)
	}
	path := filepath.Join(out.dir, s.name+".spdx.json")
	var digest string
	if err := safeio.WriteFile(path, func(f *os.File) error {
		digest, err = sbom.Encode(f, doc)
		return err
	}); err != nil {
		return halt(state, err)
	}
	out.add("", path, false)
	found, attested := 0, 0
	if in.Found != nil {
		found = len(in.Found.Packages)
	}
	for _, docs := range in.Attested {
		for _, d := range docs {
			attested += len(d.Packages)
		}
	}
	ui.Say(fmt.Sprintf("Wrote %s: %d images, %d packages, %d attested (%s)", filepath.Base(path), len(r.Images), found, attested, digest))
	state.Put(stateSBOM, sbomFile{path: path, digest: digest})
	return multistep.ActionContinue
}

func (s *stepSBOM) Cleanup(multistep.StateBag) {}
