package media

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/uki"
)

// EFIStubImageDir is the folder of a bootloader image that holds systemd's EFI stubs (no
// leading slash, as io/fs paths go): where Debian's systemd-boot-efi, Fedora's
// systemd-boot-unsigned and Arch's systemd packages install them.
const EFIStubImageDir = "usr/lib/systemd/boot/efi"

// efiArch is what differs between the EFI architectures this package writes.
type efiArch struct {
	stub     string // systemd's stub file name
	bootFile string // the removable-media boot program path on the ESP
	machine  uint16 // the stub's PE machine type
}

// efiArches are the architectures of EFI images, by GOARCH name.
var efiArches = map[string]efiArch{
	"amd64": {stub: "linuxx64.efi.stub", bootFile: "EFI/BOOT/BOOTX64.EFI", machine: uki.MachineAMD64},
	"arm64": {stub: "linuxaa64.efi.stub", bootFile: "EFI/BOOT/BOOTAA64.EFI", machine: uki.MachineARM64},
}

// lookupArch returns the EFI facts of arch, or an error naming the ones supported.
func lookupArch(arch string) (efiArch, error) {
	a, ok := efiArches[arch]
	if !ok {
		return efiArch{}, fmt.Errorf("media: EFI images are written for arch amd64 or arm64, not %q", arch)
	}
	return a, nil
}

// EFIStub is systemd's EFI stub for one architecture, the boot program of a UKI. It is small
// (about 80 KiB), so it is held in memory; it is never vendored, but found by FindEFIStub.
type EFIStub struct {
	Arch   string // "amd64" or "arm64"
	Name   string // the stub's file name, linuxx64.efi.stub or linuxaa64.efi.stub
	Data   []byte
	Source string // where it came from: a host path or image reference and path
}

// Sums returns the stub's sha256 (file name → lowercase hex), for the artifact's boot_files.
func (s EFIStub) Sums() map[string]string {
	sum := sha256.Sum256(s.Data)
	return map[string]string{s.Name: hex.EncodeToString(sum[:])}
}

// hostStubDirs are the well-known host folders holding systemd's stubs, tried in order.
var hostStubDirs = []struct{ label, dir string }{
	{"Debian/Ubuntu (systemd-boot-efi), Fedora (systemd-boot-unsigned), Arch (systemd)", "/" + EFIStubImageDir},
	{"a locally built systemd", "/usr/local/lib/systemd/boot/efi"},
}

// FindEFIStub finds systemd's EFI stub for arch ("amd64" or "arm64") as FindBootFiles finds the
// syslinux files:
//
//  1. dir (bootloader_dir), when not "": linuxx64.efi.stub or linuxaa64.efi.stub in it, and
//     only there;
//  2. otherwise the well-known host folders (/usr/lib/systemd/boot/efi on Debian, Ubuntu,
//     Fedora and Arch);
//  3. otherwise image (bootloader_image; nil to skip), under /usr/lib/systemd/boot/efi.
//
// The stub is checked: a PE image of arch's machine type, unsigned, with header room for the
// UKI's sections.
func FindEFIStub(arch, dir string, image *BootImage) (EFIStub, error) {
	return findEFIStub(arch, dir, hostStubDirs, image)
}

func findEFIStub(arch, dir string, hostDirs []struct{ label, dir string }, image *BootImage) (EFIStub, error) {
	a, err := lookupArch(arch)
	if err != nil {
		return EFIStub{}, err
	}
	fromHost := func(p string) (EFIStub, error) {
		data, err := readBounded(func() (fs.File, error) { return os.Open(p) })
		if err != nil {
			return EFIStub{}, err
		}
		return checkStub(a, arch, data, p)
	}
	if dir != "" {
		s, err := fromHost(filepath.Join(dir, a.stub))
		if err != nil {
			return EFIStub{}, fmt.Errorf("media: bootloader_dir %s: %w (it must hold systemd's %s, which Debian/Ubuntu's systemd-boot-efi%s and Fedora's systemd-boot-unsigned packages install in /%s)",
				dir, err, a.stub, map[string]string{"arm64": ":arm64"}[arch], EFIStubImageDir)
		}
		return s, nil
	}
	var tried []string
	for _, h := range hostDirs {
		s, err := fromHost(filepath.Join(h.dir, a.stub))
		if err == nil {
			return s, nil
		}
		tried = append(tried, fmt.Sprintf("%s: %v", h.label, err))
	}
	if image != nil && image.Open != nil {
		s, err := stubFromImage(a, arch, image)
		if err == nil {
			return s, nil
		}
		tried = append(tried, fmt.Sprintf("bootloader_image %s: %v", image.Ref, err))
	} else {
		tried = append(tried, "bootloader_image: not configured")
	}
	return EFIStub{}, fmt.Errorf("media: systemd's EFI stub %s not found; set bootloader_dir to a folder holding it, "+
		"install it on the host (Debian/Ubuntu: apt-get install systemd-boot-efi, or systemd-boot-efi:arm64 for arm64; Fedora: systemd-boot-unsigned), "+
		"or set bootloader_image to an image holding /%s/%s. Tried:\n  %s",
		a.stub, EFIStubImageDir, a.stub, strings.Join(tried, "\n  "))
}

// stubFromImage reads the stub from EFIStubImageDir of the image's filesystem.
func stubFromImage(a efiArch, arch string, image *BootImage) (EFIStub, error) {
	fsys, err := image.Open()
	if err != nil {
		return EFIStub{}, fmt.Errorf("open: %w", err)
	}
	p := path.Join(EFIStubImageDir, a.stub)
	data, err := readBounded(func() (fs.File, error) { return fsys.Open(p) })
	if err != nil {
		return EFIStub{}, fmt.Errorf("/%s: %w", p, err)
	}
	return checkStub(a, arch, data, image.Ref+":/"+p)
}

// checkStub validates stub data for arch.
func checkStub(a efiArch, arch string, data []byte, source string) (EFIStub, error) {
	m, err := uki.Machine(data)
	if err != nil {
		return EFIStub{}, fmt.Errorf("%s: %w", source, err)
	}
	if m != a.machine {
		return EFIStub{}, fmt.Errorf("%s: PE machine %#x is not %s's %#x", source, m, arch, a.machine)
	}
	return EFIStub{Arch: arch, Name: a.stub, Data: data, Source: source}, nil
}
