package vmware

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vmdk"
)

// formatRawBIOS is the builder's raw disk image, which a vSphere run
// converts to a streamOptimized vmdk when the artifact has no such vmdk.
const formatRawBIOS = "raw-bios"

// stepVSphereMedia readies the boot medium. For boot_media "iso" it uploads
// the artifact's ISO to `[datastore] <upload_path>/<vm_name>-<digest12>.iso`,
// unless the datastore already holds that very file, showing the progress.
// For boot_media "disk" it picks the artifact's streamOptimized vmdk, or
// converts the artifact's raw disk into `<output_directory>/<name>-stream.vmdk`.
//
// Cleanup removes, after a failure or a cancellation, the files this run
// uploaded (never one it found in place), and always the converted vmdk, a
// temporary file once the VM is imported.
type stepVSphereMedia struct {
	converted string // the vmdk this step converted into, a temporary file
}

func (s *stepVSphereMedia) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r, ui := vsphereState(state)
	if r.bootMedia == "disk" {
		if !r.convert {
			r.streamVMDK = r.bootSrc
			return multistep.ActionContinue
		}
		out, err := convertToStreamVMDK(ctx, ui, r)
		s.converted = out // recorded even on error: Cleanup removes a partial file
		if err != nil {
			return vsphereHalt(state, err)
		}
		r.streamVMDK = out
		return multistep.ActionContinue
	}

	dsPath := r.target.DatastorePath(path.Join(r.cfg.UploadPath, isoUploadName(r)))
	sum := builderSHA256(r.in, r.bootSrc)
	ui.Say(fmt.Sprintf("Uploading the ISO %s to %s...", filepath.Base(r.bootSrc), dsPath))
	uploaded, err := r.driver.UploadIfChanged(ctx, r.target, r.bootSrc, dsPath, sum, uploadProgress(ui))
	if uploaded {
		r.uploaded = append(r.uploaded, dsPath)
	}
	if err != nil {
		return vsphereHalt(state, fmt.Errorf("uploading the ISO: %w", err))
	}
	if !uploaded {
		ui.Say(fmt.Sprintf("%s is already on the datastore with the same content; not uploaded again", dsPath))
	}
	r.isoPath = dsPath
	return multistep.ActionContinue
}

func (s *stepVSphereMedia) Cleanup(state multistep.StateBag) {
	r, ui := vsphereState(state)
	if s.converted != "" {
		if err := os.Remove(s.converted); err != nil && !errors.Is(err, os.ErrNotExist) {
			ui.Error(fmt.Sprintf("Removing the converted vmdk: %v", err))
		}
	}
	if vsphereFailed(state) && len(r.uploaded) > 0 {
		ui.Say(fmt.Sprintf("Removing the uploaded %s...", strings.Join(r.uploaded, ", ")))
		r.cleanup(ui, r.uploaded)
	}
}

// isoUploadName is `<vm_name>-<digest12>.iso`: the first 12 hex digits of
// the spec digest, so a rebuild of another spec never overwrites an ISO
// that existing VMs and clones use.
func isoUploadName(r *vsphereRun) string {
	return fmt.Sprintf("%s-%s.iso", r.cfg.VMName, digest12(r.in.SpecDigest))
}

// digest12 returns the first 12 hex digits of "sha256:<hex>" (or of a bare
// hex digest); "nodigest" when there is none.
func digest12(d string) string {
	d = strings.TrimPrefix(d, "sha256:")
	if len(d) < 12 {
		return "nodigest"
	}
	return d[:12]
}

// convertedVMDKPath is where a raw disk is converted: output_directory, else
// the folder of the artifact's disk, and `<name>-stream.vmdk`.
func convertedVMDKPath(r *vsphereRun) string {
	dir := r.cfg.OutputDirectory
	if dir == "" {
		dir = filepath.Dir(r.bootSrc)
	}
	name := r.in.Name
	if name == "" {
		name = r.cfg.VMName
	}
	return filepath.Join(dir, name+"-stream.vmdk")
}

// convertToStreamVMDK streams the artifact's raw disk through vmdk.Write
// (streamOptimized). It returns the output's path once it began writing it.
func convertToStreamVMDK(ctx context.Context, ui packersdk.Ui, r *vsphereRun) (string, error) {
	out := convertedVMDKPath(r)
	ui.Say(fmt.Sprintf("Converting %s to the streamOptimized vmdk %s...", filepath.Base(r.bootSrc), out))
	src, err := os.Open(r.bootSrc)
	if err != nil {
		return "", fmt.Errorf("boot_media \"disk\": %w", err)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return "", fmt.Errorf("boot_media \"disk\": %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", fmt.Errorf("output_directory: %w", err)
	}
	dst, err := os.Create(out)
	if err != nil {
		return "", fmt.Errorf("creating the streamOptimized vmdk: %w", err)
	}
	werr := vmdk.Write(dst, safeio.Reader(ctx, bufio.NewReaderSize(src, 1<<20)), fi.Size(), vmdk.Options{Compressed: true})
	cerr := dst.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return out, fmt.Errorf("converting %s to a streamOptimized vmdk: %w", r.bootSrc, err)
	}
	return out, nil
}

// builderSHA256 returns the sha256 the builder recorded for file in its
// `<output_name>.sha256` (sha256sum format), or "" when there is none, in
// which case the upload computes it.
func builderSHA256(in *artifactInput, file string) string {
	for _, f := range in.Files {
		if !strings.HasSuffix(f, ".sha256") || filepath.Dir(f) != filepath.Dir(file) {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return ""
		}
		for _, line := range strings.Split(string(data), "\n") {
			sum, name, ok := strings.Cut(line, "  ")
			if ok && name == filepath.Base(file) && len(sum) == 64 {
				return sum
			}
		}
	}
	return ""
}

// uploadProgress shows an upload's progress in the UI, every 10%.
func uploadProgress(ui packersdk.Ui) func(done, total int64) {
	last := int64(-1)
	return func(done, total int64) {
		if total <= 0 {
			return
		}
		pct := done * 100 / total
		if pct/10 == last/10 && pct != 100 || pct == last {
			return
		}
		last = pct
		ui.Say(fmt.Sprintf("Uploaded %d%% (%d of %d MiB)", pct, done>>20, total>>20))
	}
}

// vsphereBootSource resolves boot_media for a vSphere VM before anything is
// contacted: the option when set, else "iso" when the artifact has an ISO,
// else "disk". A disk must reach vSphere as a streamOptimized vmdk: the
// artifact's vmdk when it has that subformat, else its raw disk (raw-bios),
// which the media step converts (convert = true). A monolithicSparse vmdk
// alone is refused: internal/vmdk writes vmdks but does not read them.
func vsphereBootSource(bootMedia string, in *artifactInput) (media, src string, convert bool, err error) {
	iso, hasISO := in.Format(formatISOBIOS)
	vmdkPath, hasVMDK := in.Format(formatVMDK)
	raw, hasRaw := in.Format(formatRawBIOS)
	if bootMedia == "" {
		switch {
		case hasISO:
			bootMedia = "iso"
		case hasVMDK || hasRaw:
			bootMedia = "disk"
		default:
			return "", "", false, fmt.Errorf("the artifact has no bootable medium for a vSphere VM (formats: %s): "+
				"add \"iso-bios\", or \"vmdk\" with vmdk_subformat = \"streamOptimized\", to the linuxkit builder's formats",
				in.FormatNames())
		}
	}
	switch bootMedia {
	case "iso":
		if !hasISO {
			return "", "", false, fmt.Errorf("boot_media \"iso\" needs an ISO, and the artifact has none (formats: %s): "+
				"add \"iso-bios\" to the linuxkit builder's formats, or set boot_media = \"disk\"", in.FormatNames())
		}
		if _, err := os.Stat(iso); err != nil {
			return "", "", false, fmt.Errorf("boot_media \"iso\": the artifact's file: %w", err)
		}
		return bootMedia, iso, false, nil
	case "disk":
		if hasVMDK {
			sub, err := vmdk.Subformat(vmdkPath)
			if err != nil {
				return "", "", false, fmt.Errorf("boot_media \"disk\": %w", err)
			}
			if sub == vmdk.StreamOptimized {
				return bootMedia, vmdkPath, false, nil
			}
			if !hasRaw {
				return "", "", false, fmt.Errorf("boot_media \"disk\": %s is a %s vmdk, and vSphere imports streamOptimized ones: "+
					"set vmdk_subformat = \"streamOptimized\" in the linuxkit source, or add \"raw-bios\" to its formats "+
					"(the post-processor then converts the raw disk), or use boot_media = \"iso\"", vmdkPath, sub)
			}
		}
		if !hasRaw {
			return "", "", false, fmt.Errorf("boot_media \"disk\" needs a streamOptimized vmdk or a raw disk, and the artifact has neither (formats: %s): "+
				"add \"vmdk\" with vmdk_subformat = \"streamOptimized\" to the linuxkit builder's formats, or set boot_media = \"iso\"",
				in.FormatNames())
		}
		if _, err := os.Stat(raw); err != nil {
			return "", "", false, fmt.Errorf("boot_media \"disk\": the artifact's raw disk: %w", err)
		}
		return bootMedia, raw, true, nil
	}
	return "", "", false, fmt.Errorf("boot_media %q is not one of \"iso\", \"disk\"", bootMedia)
}
