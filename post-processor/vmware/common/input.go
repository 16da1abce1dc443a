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
// each format, the architecture they are built for and the firmware each
// bootable medium boots with.
//
// The state crosses Packer's RPC boundary as msgpack, so the maps arrive as
// map[interface{}]interface{} from a real packer run and as
// map[string]string in process; both are decoded weakly. An artifact of a
// builder that published neither "arch" nor "media_firmware" is amd64, and
// each of its media boots with the firmware its format names
// (artifact.FormatFirmware).
type Input struct {
	// BuilderID is the artifact's BuilderId(), for messages.
	BuilderID string
	// Name is the builder's output_name ("name" state); may be empty.
	Name string
	// SpecDigest is "sha256:…" of the pinned spec ("spec_digest" state).
	SpecDigest string
	// Formats maps each format the builder wrote to its main file.
	Formats map[string]string
	// Firmware is the artifact's "firmware" state: bios, efi, or mixed
	// when it has media of both; derived from MediaFirmware when the
	// artifact does not say, bios when it has no bootable medium.
	Firmware string
	// Arch is what the files are built for: amd64 (the default) or arm64.
	Arch string
	// MediaFirmware maps each bootable format of Formats (iso-bios, vmdk,
	// iso-efi, ...) to the firmware it boots with: bios or efi.
	MediaFirmware map[string]string
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
		artifact.StateArch:       &in.Arch,
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
	if err := in.readMedia(source.State(artifact.StateMediaFirmware)); err != nil {
		return nil, err
	}
	return in, nil
}

// readMedia checks the architecture and fills MediaFirmware from the
// "media_firmware" state v (nil when the builder did not publish it), each
// medium it does not name taking its format's firmware, and Firmware when
// the artifact left it out.
func (in *Input) readMedia(v interface{}) error {
	switch in.Arch {
	case "":
		in.Arch = artifact.ArchAMD64
	case artifact.ArchAMD64, artifact.ArchARM64:
	default:
		return fmt.Errorf("input artifact state %q is %q: linuxkit-vmware makes VMs of %s and %s images only",
			artifact.StateArch, in.Arch, artifact.ArchAMD64, artifact.ArchARM64)
	}
	var published map[string]string
	if v != nil {
		if err := mapstructure.WeakDecode(v, &published); err != nil {
			return fmt.Errorf("input artifact state %q: %w", artifact.StateMediaFirmware, err)
		}
	}
	in.MediaFirmware = map[string]string{}
	seen := map[string]bool{}
	for format := range in.Formats {
		fw, bootable := artifact.FormatFirmware(format)
		if !bootable {
			continue
		}
		if p, ok := published[format]; ok {
			if p != artifact.FirmwareBIOS && p != artifact.FirmwareEFI {
				return fmt.Errorf("input artifact state %q: format %q boots with %q, which is neither %q nor %q",
					artifact.StateMediaFirmware, format, p, artifact.FirmwareBIOS, artifact.FirmwareEFI)
			}
			fw = p
		}
		in.MediaFirmware[format] = fw
		seen[fw] = true
	}
	if in.Firmware == "" {
		switch {
		case seen[artifact.FirmwareBIOS] && seen[artifact.FirmwareEFI]:
			in.Firmware = artifact.FirmwareMixed
		case seen[artifact.FirmwareEFI]:
			in.Firmware = artifact.FirmwareEFI
		default:
			in.Firmware = artifact.FirmwareBIOS
		}
	}
	return nil
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
func HasSerialConsole(cmdline string) bool { return hasConsole(cmdline, "ttyS0") }

// hasConsole reports whether cmdline has console=<dev>, with or without
// options.
func hasConsole(cmdline, dev string) bool {
	for _, f := range strings.Fields(cmdline) {
		if f == "console="+dev || strings.HasPrefix(f, "console="+dev+",") {
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
	case ok && in.Arch == artifact.ArchARM64 && !HasSerialConsole(cmdline) && !hasConsole(cmdline, "ttyAMA0"):
		ui.Error(fmt.Sprintf("Warning: serial_log is on, but the kernel command line %q has neither console=ttyS0 nor console=ttyAMA0, "+
			"so the serial log will stay empty; add the console of the VM's serial port to the spec's kernel.cmdline, or set serial_log = false", cmdline))
	case ok && in.Arch != artifact.ArchARM64 && !HasSerialConsole(cmdline):
		ui.Error(fmt.Sprintf("Warning: serial_log is on, but the kernel command line %q has no console=ttyS0, "+
			"so the serial log will stay empty; add console=ttyS0 to the spec's kernel.cmdline, or set serial_log = false", cmdline))
	}
}
