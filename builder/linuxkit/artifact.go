package linuxkit

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
)

// Artifact is what a linuxkit build produced: files in the output directory,
// identified by the digest of the pinned spec they were built from.
type Artifact struct {
	// Dir is output_directory.
	Dir string
	// Paths lists every output file, the .sha256 file last; the folder's
	// ownership marker is not an output and is not listed.
	Paths []string
	// OutputName is output_name, the base name of every file.
	OutputName string
	// SpecDigest is sha256:… of the canonical pinned spec, the artifact's id.
	SpecDigest string
	// Formats maps each format built to its main file.
	Formats map[string]string
	// Images maps each spec component to its pinned reference.
	Images map[string]string
	// BootFiles maps each boot file used (syslinux's, systemd's EFI stub) to
	// its sha256.
	BootFiles map[string]string
	// Arch is the target architecture of every file, HCP Packer's region.
	Arch string
	// OVFFirmware is the firmware of the disk inside the ova and ovf
	// packages (ovf_firmware); empty when neither was built.
	OVFFirmware string
	// Cmdline is the kernel command line the media boot with.
	Cmdline string
	// GateResults are the boot tests, SBOM and signatures checked.
	GateResults
}

// BuilderId returns artifact.BuilderID, the id post-processors check.
func (a *Artifact) BuilderId() string { return artifact.BuilderID }

// Files returns every output file.
func (a *Artifact) Files() []string { return append([]string(nil), a.Paths...) }

// Id returns the spec digest; it equals the datasource's `digest`.
func (a *Artifact) Id() string { return a.SpecDigest }

// String describes the artifact for Packer's UI.
func (a *Artifact) String() string {
	return fmt.Sprintf("LinuxKit image %s (%s) in %s: %s", a.OutputName, a.SpecDigest, a.Dir, strings.Join(a.formatNames(), ", "))
}

// State returns the values post-processors and HCP Packer read, under the
// keys internal/artifact names.
func (a *Artifact) State(name string) interface{} {
	if v, ok := a.gateState(name); ok {
		return v
	}
	switch name {
	case artifact.StateName:
		return a.OutputName
	case artifact.StateSpecDigest:
		return a.SpecDigest
	case artifact.StateFormats:
		return a.Formats
	case artifact.StateImages:
		return a.Images
	case artifact.StateArch:
		return a.Arch
	case artifact.StateFirmware:
		return a.firmware()
	case artifact.StateMediaFirmware:
		return a.mediaFirmware()
	case artifact.StateBootFiles:
		return a.BootFiles
	case artifact.StateCmdline:
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
	l["formats"] = strings.Join(a.formatNames(), ",")
	l["firmware"] = a.firmware()
	for f, fw := range a.mediaFirmware() {
		l["firmware."+f] = fw
	}
	a.gateLabels(l)
	return l
}

// mediaFirmware maps each bootable format built (the VM packages among
// them) to the firmware it boots with (StateMediaFirmware); kernel+initrd
// and tar are not in it.
func (a *Artifact) mediaFirmware() map[string]string {
	m := map[string]string{}
	for f := range a.Formats {
		if fw, ok := artifact.FormatFirmware(f); ok {
			m[f] = fw
		} else if artifact.IsPackage(f) {
			m[f] = a.OVFFirmware
		}
	}
	return m
}

// firmware is StateFirmware: the firmware all the bootable media share,
// FirmwareMixed when BIOS and EFI media were both built, and FirmwareBIOS
// when there is no bootable medium.
func (a *Artifact) firmware() string {
	fw := ""
	for _, v := range a.mediaFirmware() {
		switch {
		case fw == "":
			fw = v
		case fw != v:
			return artifact.FirmwareMixed
		}
	}
	if fw == "" {
		return artifact.FirmwareBIOS
	}
	return fw
}

// formatNames returns the formats built, sorted.
func (a *Artifact) formatNames() []string {
	formats := make([]string, 0, len(a.Formats))
	for f := range a.Formats {
		formats = append(formats, f)
	}
	sort.Strings(formats)
	return formats
}

// Destroy removes the output files and, when it is then empty but for the
// plugin's marker, the output directory.
func (a *Artifact) Destroy() error {
	for _, p := range append(a.Files(), filepath.Join(a.Dir, buildRecordName), filepath.Join(a.Dir, safeio.OwnedMarker)) {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("removing %s: %w", p, err)
		}
	}
	_ = os.Remove(a.Dir) // only succeeds when empty: files a user added stay
	return nil
}
