package linuxkit

import (
	"fmt"
	"os"
	"sort"
	"strings"

	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
)

// BuilderID identifies artifacts made by this builder (internal/artifact
// holds the contract every component reads).
const BuilderID = artifact.BuilderID

// Artifact state keys; post-processors read them through Packer's RPC. They
// are internal/artifact's, named here for the builder's own code.
const (
	StateName       = artifact.StateName
	StateSpecDigest = artifact.StateSpecDigest
	StateFormats    = artifact.StateFormats
	StateImages     = artifact.StateImages
	StateFirmware   = artifact.StateFirmware
	StateBootFiles  = artifact.StateBootFiles
	StateCmdline    = artifact.StateCmdline
)

// Artifact is what a linuxkit build produced: files in the output directory,
// identified by the digest of the pinned spec they were built from.
type Artifact struct {
	Dir        string
	Paths      []string          // every output file, the .sha256 file last
	OutputName string            // output_name
	SpecDigest string            // sha256:…
	Formats    map[string]string // format → path
	Images     map[string]string // component → pinned reference
	BootFiles  map[string]string // boot file name → sha256
	Arch       string
	Cmdline    string // kernel command line
}

// BuilderId returns BuilderID.
func (a *Artifact) BuilderId() string { return BuilderID }

// Files returns every output file.
func (a *Artifact) Files() []string { return append([]string(nil), a.Paths...) }

// Id returns the spec digest; it equals the datasource's `digest`.
func (a *Artifact) Id() string { return a.SpecDigest }

// String describes the artifact for Packer's UI.
func (a *Artifact) String() string {
	formats := make([]string, 0, len(a.Formats))
	for f := range a.Formats {
		formats = append(formats, f)
	}
	sort.Strings(formats)
	return fmt.Sprintf("LinuxKit image %s (%s) in %s: %s", a.OutputName, a.SpecDigest, a.Dir, strings.Join(formats, ", "))
}

// State returns the values post-processors and HCP Packer read.
func (a *Artifact) State(name string) interface{} {
	switch name {
	case StateName:
		return a.OutputName
	case StateSpecDigest:
		return a.SpecDigest
	case StateFormats:
		return a.Formats
	case StateImages:
		return a.Images
	case StateFirmware:
		return artifact.FirmwareBIOS
	case StateBootFiles:
		return a.BootFiles
	case StateCmdline:
		return a.Cmdline
	case registryimage.ArtifactStateURI:
		img, err := registryimage.FromArtifact(a,
			registryimage.WithProvider("linuxkit"),
			registryimage.WithID(a.SpecDigest),
			registryimage.WithRegion(a.Arch),
			registryimage.SetLabels(a.labels()),
		)
		if err != nil {
			return nil
		}
		return img
	}
	return nil
}

func (a *Artifact) labels() map[string]interface{} {
	l := map[string]interface{}{"spec_digest": a.SpecDigest, "arch": a.Arch, "output_name": a.OutputName}
	if k, ok := a.Images["kernel"]; ok {
		l["kernel"] = k
	}
	formats := make([]string, 0, len(a.Formats))
	for f := range a.Formats {
		formats = append(formats, f)
	}
	sort.Strings(formats)
	l["formats"] = strings.Join(formats, ",")
	return l
}

// Destroy removes the output files and, when it is then empty, the output
// directory.
func (a *Artifact) Destroy() error {
	for _, p := range a.Paths {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("removing %s: %w", p, err)
		}
	}
	_ = os.Remove(a.Dir) // only succeeds when empty
	return nil
}
