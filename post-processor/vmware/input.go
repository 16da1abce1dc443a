package vmware

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/mitchellh/mapstructure"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
)

// The input artifact's state keys and formats this post-processor reads:
// the contract in internal/artifact, which the builder publishes.
const (
	inputStateName       = artifact.StateName
	inputStateSpecDigest = artifact.StateSpecDigest
	inputStateFormats    = artifact.StateFormats
	inputStateFirmware   = artifact.StateFirmware

	formatKernelInitrd = artifact.FormatKernelInitrd
	formatISOBIOS      = artifact.FormatISOBIOS
	formatVMDK         = artifact.FormatVMDK
)

// artifactInput is what every target needs from the linuxkit builder's
// artifact: its name, the digest of the spec it was built from, the files of
// each format and the firmware they boot with.
//
// The state crosses Packer's RPC boundary as msgpack, so the formats map
// arrives as map[interface{}]interface{} from a real packer run and as
// map[string]string in process; both are decoded weakly.
type artifactInput struct {
	// BuilderID is the artifact's BuilderId(), for messages.
	BuilderID string
	// Name is the builder's output_name ("name" state); may be empty.
	Name string
	// SpecDigest is "sha256:…" of the pinned spec ("spec_digest" state).
	SpecDigest string
	// Formats maps each format the builder wrote to its main file.
	Formats map[string]string
	// Firmware is what the media boot with: "bios" unless the artifact says.
	Firmware string
	// Files are the artifact's files, as Files() returned them.
	Files []string
	// cmdline is the "cmdline" state (the kernel command line); hasCmdline
	// says whether the builder published it.
	cmdline    string
	hasCmdline bool
}

// readArtifactInput decodes the state of source. It fails when the artifact
// carries no formats: that is not the linuxkit builder's artifact (another
// post-processor may stand between them).
func readArtifactInput(source packersdk.Artifact) (*artifactInput, error) {
	if source == nil {
		return nil, errors.New("no input artifact: the linuxkit-vmware post-processor needs the linuxkit builder's artifact")
	}
	in := &artifactInput{BuilderID: source.BuilderId(), Files: source.Files()}
	for key, dst := range map[string]*string{
		inputStateName:       &in.Name,
		inputStateSpecDigest: &in.SpecDigest,
		inputStateFirmware:   &in.Firmware,
	} {
		if v := source.State(key); v != nil {
			if err := mapstructure.WeakDecode(v, dst); err != nil {
				return nil, fmt.Errorf("input artifact state %q: %w", key, err)
			}
		}
	}
	if v := source.State(artifact.StateCmdline); v != nil {
		if err := mapstructure.WeakDecode(v, &in.cmdline); err != nil {
			return nil, fmt.Errorf("input artifact state %q: %w", artifact.StateCmdline, err)
		}
		in.hasCmdline = true
	}
	if v := source.State(inputStateFormats); v != nil {
		if err := mapstructure.WeakDecode(v, &in.Formats); err != nil {
			return nil, fmt.Errorf("input artifact state %q: %w", inputStateFormats, err)
		}
	}
	for f, p := range in.Formats {
		if p == "" {
			delete(in.Formats, f)
		}
	}
	if len(in.Formats) == 0 {
		return nil, fmt.Errorf("the input artifact (builder %q) has no %q state: linuxkit-vmware needs the artifact of "+
			"the linuxkit builder, so place it right after that builder, not after another post-processor",
			in.BuilderID, inputStateFormats)
	}
	if in.Firmware == "" {
		in.Firmware = artifact.FirmwareBIOS
	}
	return in, nil
}

// Format returns the main file of format and whether the artifact has it.
func (in *artifactInput) Format(format string) (string, bool) {
	p, ok := in.Formats[format]
	return p, ok
}

// FormatNames returns the artifact's formats, sorted, for messages.
func (in *artifactInput) FormatNames() string {
	names := make([]string, 0, len(in.Formats))
	for f := range in.Formats {
		names = append(names, f)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Cmdline returns the kernel command line the image boots with: the
// builder's "cmdline" state, else <name>-cmdline beside the kernel. ok is
// false when neither exists.
func (in *artifactInput) Cmdline() (cmdline string, ok bool, err error) {
	if in.hasCmdline {
		return in.cmdline, true, nil
	}
	kernel, found := in.Format(formatKernelInitrd)
	if !found || in.Name == "" {
		return "", false, nil
	}
	path := filepath.Join(filepath.Dir(kernel), in.Name+"-cmdline")
	b, err := os.ReadFile(path)
	if err != nil {
		return "", false, fmt.Errorf("reading the kernel command line: %w", err)
	}
	return strings.TrimSpace(string(b)), true, nil
}

// hasSerialConsole reports whether cmdline sends a console to the first
// serial port (console=ttyS0, with or without options such as ",115200").
func hasSerialConsole(cmdline string) bool {
	for _, f := range strings.Fields(cmdline) {
		if f == "console=ttyS0" || strings.HasPrefix(f, "console=ttyS0,") {
			return true
		}
	}
	return false
}
