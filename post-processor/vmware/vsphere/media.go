package vsphere

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vmdk"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// isoUploadName is `<vm_name>-<digest12>.iso` (`<vm_name>-<digest12>-efi.iso`
// for an iso-efi image): the first 12 hex digits of the spec digest, so a
// rebuild of another spec never overwrites an ISO that existing VMs and
// clones use, nor the EFI image of a build its BIOS image.
func isoUploadName(vmName, specDigest, firmware string) string {
	if firmware == artifact.FirmwareEFI {
		return fmt.Sprintf("%s-%s-efi.iso", vmName, digest12(specDigest))
	}
	return fmt.Sprintf("%s-%s.iso", vmName, digest12(specDigest))
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

// convertedVMDKPath is where the raw disk src is converted: outputDir, else
// the folder of src, and `<name>-stream.vmdk`, name being the artifact's
// name, else the VM's.
func convertedVMDKPath(outputDir, src, artifactName, vmName string) string {
	dir := outputDir
	if dir == "" {
		dir = filepath.Dir(src)
	}
	name := artifactName
	if name == "" {
		name = vmName
	}
	return filepath.Join(dir, name+"-stream.vmdk")
}

// convertToStreamVMDK streams the artifact's raw disk srcPath through
// vmdk.Write (streamOptimized) into out. created says whether it made out,
// even partly, for the caller to remove.
func convertToStreamVMDK(ctx context.Context, srcPath, out string) (created bool, err error) {
	src, err := os.Open(srcPath)
	if err != nil {
		return false, fmt.Errorf("boot_media \"disk\": %w", err)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return false, fmt.Errorf("boot_media \"disk\": %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return false, fmt.Errorf("output_directory: %w", err)
	}
	dst, err := os.Create(out)
	if err != nil {
		return false, fmt.Errorf("creating the streamOptimized vmdk: %w", err)
	}
	werr := vmdk.Write(dst, safeio.Reader(ctx, bufio.NewReaderSize(src, 1<<20)), fi.Size(), vmdk.Options{Compressed: true})
	cerr := dst.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return true, fmt.Errorf("converting %s to a streamOptimized vmdk: %w", srcPath, err)
	}
	return true, nil
}

// builderSHA256 returns the sha256 the builder recorded for file in its
// `<output_name>.sha256` (sha256sum format), or "" when there is none, in
// which case the upload computes it.
func builderSHA256(in *common.Input, file string) string {
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

// bootSource resolves boot_media for a vSphere VM before anything is
// contacted, among the artifact's media of one firmware (f: BIOS or EFI):
// the option when set, else "iso" when the artifact has that ISO, else
// "disk". A disk must reach vSphere as a streamOptimized vmdk: the
// artifact's vmdk of that firmware when it has that subformat, else its raw
// disk (raw-bios, raw-efi), which the media step converts (convert = true).
// A monolithicSparse vmdk alone is refused: internal/vmdk writes vmdks but
// does not read them.
func bootSource(bootMedia string, in *common.Input, f common.MediaFormats) (media, src string, convert bool, err error) {
	iso, hasISO := in.Format(f.ISO)
	vmdkPath, hasVMDK := in.Format(f.VMDK)
	raw, hasRaw := in.Format(f.Raw)
	if bootMedia == "" {
		switch {
		case hasISO:
			bootMedia = common.BootISO
		case hasVMDK || hasRaw:
			bootMedia = common.BootDisk
		default:
			return "", "", false, fmt.Errorf("the artifact has no bootable %s medium for a vSphere VM (formats: %s): "+
				"add %q, or %q with vmdk_subformat = \"streamOptimized\", to the linuxkit builder's formats",
				f.Firmware, in.FormatNames(), f.ISO, f.VMDK)
		}
	}
	switch bootMedia {
	case common.BootISO:
		if !hasISO {
			return "", "", false, fmt.Errorf("boot_media \"iso\" with firmware %q needs an %s image, and the artifact has none (formats: %s): "+
				"add %q to the linuxkit builder's formats, or set boot_media = \"disk\"", f.Firmware, f.ISO, in.FormatNames(), f.ISO)
		}
		if _, err := os.Stat(iso); err != nil {
			return "", "", false, fmt.Errorf("boot_media \"iso\": the artifact's file: %w", err)
		}
		return bootMedia, iso, false, nil
	case common.BootDisk:
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
					"set vmdk_subformat = \"streamOptimized\" in the linuxkit source, or add %q to its formats "+
					"(the post-processor then converts the raw disk), or use boot_media = \"iso\"", vmdkPath, sub, f.Raw)
			}
		}
		if !hasRaw {
			return "", "", false, fmt.Errorf("boot_media \"disk\" with firmware %q needs a streamOptimized %s or a %s disk, and the artifact has neither (formats: %s): "+
				"add %q with vmdk_subformat = \"streamOptimized\" to the linuxkit builder's formats, or set boot_media = \"iso\"",
				f.Firmware, f.VMDK, f.Raw, in.FormatNames(), f.VMDK)
		}
		if _, err := os.Stat(raw); err != nil {
			return "", "", false, fmt.Errorf("boot_media \"disk\": the artifact's raw disk: %w", err)
		}
		return bootMedia, raw, true, nil
	}
	return "", "", false, fmt.Errorf("boot_media %q is not one of \"iso\", \"disk\"", bootMedia)
}
