package common

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

// Input is what every target needs from the linuxkit builder's
// artifact: its name, the digest of the spec it was built from, the files of
// each format and the firmware they boot with.
//
// The state crosses Packer's RPC boundary as msgpack, so the formats map
// arrives as map[interface{}]interface{} from a real packer run and as
// map[string]string in process; both are decoded weakly.
type Input struct {
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

// ReadInput decodes the state of source. It fails when the artifact
// carries no formats: that is not the linuxkit builder's artifact (another
// post-processor may stand between them).
func ReadInput(source packersdk.Artifact) (*Input, error) {
	if source == nil {
		return nil, errors.New("no input artifact: the linuxkit-vmware post-processor needs the linuxkit builder's artifact")
	}
	in := &Input{BuilderID: source.BuilderId(), Files: source.Files()}
	for key, dst := range map[string]*string{
		artifact.StateName:       &in.Name,
		artifact.StateSpecDigest: &in.SpecDigest,
		artifact.StateFirmware:   &in.Firmware,
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
	if v := source.State(artifact.StateFormats); v != nil {
		if err := mapstructure.WeakDecode(v, &in.Formats); err != nil {
			return nil, fmt.Errorf("input artifact state %q: %w", artifact.StateFormats, err)
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
			in.BuilderID, artifact.StateFormats)
	}
	if in.Firmware == "" {
		in.Firmware = artifact.FirmwareBIOS
	}
	return in, nil
}

// Format returns the main file of format and whether the artifact has it.
func (in *Input) Format(format string) (string, bool) {
	p, ok := in.Formats[format]
	return p, ok
}

// FormatNames returns the artifact's formats, sorted, for messages.
func (in *Input) FormatNames() string {
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
func (in *Input) Cmdline() (cmdline string, ok bool, err error) {
	if in.hasCmdline {
		return in.cmdline, true, nil
	}
	kernel, found := in.Format(artifact.FormatKernelInitrd)
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

// HasSerialConsole reports whether cmdline sends a console to the first
// serial port (console=ttyS0, with or without options such as ",115200").
func HasSerialConsole(cmdline string) bool {
	for _, f := range strings.Fields(cmdline) {
		if f == "console=ttyS0" || strings.HasPrefix(f, "console=ttyS0,") {
			return true
		}
	}
	return false
}

// WarnSerialConsole warns when the image's kernel command line sends no
// console to ttyS0, which leaves the serial log empty. Only an artifact with
// the kernel+initrd output keeps the command line; otherwise there is
// nothing to check.
func (in *Input) WarnSerialConsole(ui packersdk.Ui) {
	cmdline, ok, err := in.Cmdline()
	switch {
	case err != nil:
		ui.Error(fmt.Sprintf("Warning: cannot check the kernel command line for console=ttyS0: %v", err))
	case ok && !HasSerialConsole(cmdline):
		ui.Error(fmt.Sprintf("Warning: serial_log is on, but the kernel command line %q has no console=ttyS0, "+
			"so the serial log will stay empty; add console=ttyS0 to the spec's kernel.cmdline, or set serial_log = false", cmdline))
	}
}
