package boottest

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
)

// Firmware is what QEMU boots a medium with.
type Firmware string

// The firmwares this package knows.
const (
	// BIOS is SeaBIOS on qemu-system-x86_64's default machine.
	BIOS Firmware = "bios"
	// OVMF is EDK2's amd64 UEFI on the q35 machine.
	OVMF Firmware = "ovmf"
	// AAVMF is EDK2's arm64 UEFI on qemu-system-aarch64 -M virt.
	AAVMF Firmware = "aavmf"
)

// The emulators, and what installs them.
const (
	BinaryAMD64 = "qemu-system-x86_64"
	BinaryARM64 = "qemu-system-aarch64"
)

// FirmwareFor returns the firmware a format boots with on arch: BIOS media
// on amd64 get SeaBIOS, EFI media OVMF on amd64 and AAVMF on arm64;
// kernel+initrd boots directly (BIOS on amd64, AAVMF's machine on arm64,
// where QEMU loads the kernel without firmware files). It fails for formats
// that do not boot (tar) and for BIOS media on arm64.
func FirmwareFor(format, arch string) (Firmware, error) {
	fw, ok := artifact.FormatFirmware(format)
	if format == artifact.FormatKernelInitrd {
		fw, ok = artifact.FirmwareBIOS, true
		if arch == artifact.ArchARM64 {
			fw = artifact.FirmwareEFI
		}
	}
	switch {
	case !ok:
		return "", fmt.Errorf("format %q is not bootable", format)
	case arch == artifact.ArchARM64 && fw == artifact.FirmwareEFI:
		return AAVMF, nil
	case arch == artifact.ArchARM64:
		return "", fmt.Errorf("format %q boots with BIOS, which arm64 has not", format)
	case fw == artifact.FirmwareEFI:
		return OVMF, nil
	}
	return BIOS, nil
}

// Binary returns the emulator that runs firmware f.
func (f Firmware) Binary() string {
	if f == AAVMF {
		return BinaryARM64
	}
	return BinaryAMD64
}

// Arch returns the guest architecture of firmware f.
func (f Firmware) Arch() string {
	if f == AAVMF {
		return artifact.ArchARM64
	}
	return artifact.ArchAMD64
}

// uefiPair is one distribution's names for a UEFI code image and the
// variable store template that goes with it.
type uefiPair struct{ code, vars string }

// uefiFiles lists, per firmware, the file names distributions install, in
// the order they are tried in each folder: Debian/Ubuntu (ovmf,
// qemu-efi-aarch64), Fedora (edk2-ovmf, edk2-aarch64) and Homebrew's qemu.
var uefiFiles = map[Firmware][]uefiPair{
	OVMF: {
		{"OVMF_CODE_4M.fd", "OVMF_VARS_4M.fd"},
		{"OVMF_CODE.fd", "OVMF_VARS.fd"},
		{"edk2-x86_64-code.fd", "edk2-i386-vars.fd"},
	},
	AAVMF: {
		{"AAVMF_CODE.fd", "AAVMF_VARS.fd"},
		{"QEMU_EFI-pflash.raw", "vars-template-pflash.raw"},
		{"edk2-aarch64-code.fd", "edk2-arm-vars.fd"},
	},
}

// DefaultFirmwareDirs are the folders searched for UEFI firmware when
// Options.FirmwareDirs is empty.
var DefaultFirmwareDirs = []string{
	"/usr/share/OVMF", "/usr/share/AAVMF", // Debian, Ubuntu
	"/usr/share/edk2/ovmf", "/usr/share/edk2/aarch64", "/usr/share/edk2/x64", // Fedora, Arch
	"/usr/share/qemu",                                   // distributions that ship edk2 with QEMU
	"/opt/homebrew/share/qemu", "/usr/local/share/qemu", // Homebrew on Apple silicon, on Intel
}

// packages names what installs each part, for MissingError.
var packages = map[string]string{
	BinaryAMD64:   "Debian/Ubuntu: apt-get install qemu-system-x86; Fedora: dnf install qemu-system-x86; macOS: brew install qemu",
	BinaryARM64:   "Debian/Ubuntu: apt-get install qemu-system-arm; Fedora: dnf install qemu-system-aarch64; macOS: brew install qemu",
	string(OVMF):  "Debian/Ubuntu: apt-get install ovmf; Fedora: dnf install edk2-ovmf; macOS: brew install qemu (it ships edk2)",
	string(AAVMF): "Debian/Ubuntu: apt-get install qemu-efi-aarch64; Fedora: dnf install edk2-aarch64; macOS: brew install qemu (it ships edk2)",
}

// MissingError says that a part QEMU needs is not installed, and what
// installs it.
type MissingError struct {
	// What is missing: an emulator's name or a firmware's.
	What string
	// Looked says where it was looked for.
	Looked string
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("%s not found (%s); install it (%s)", e.What, e.Looked, packages[e.What])
}

// findUEFI returns the code and variable store files of f in the first
// folder of dirs that has a matching pair.
func findUEFI(f Firmware, dirs []string) (code, vars string, err error) {
	if len(dirs) == 0 {
		dirs = DefaultFirmwareDirs
	}
	for _, d := range dirs {
		for _, p := range uefiFiles[f] {
			c, v := filepath.Join(d, p.code), filepath.Join(d, p.vars)
			if isFile(c) && isFile(v) {
				return c, v, nil
			}
		}
	}
	return "", "", &MissingError{What: string(f), Looked: fmt.Sprintf("UEFI code and variable store in %v", dirs)}
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// copyVars copies a variable store template into dir (UEFI writes to it)
// and returns the copy's path.
func copyVars(vars, dir string) (string, error) {
	b, err := os.ReadFile(vars)
	if err != nil {
		return "", fmt.Errorf("UEFI variable store: %w", err)
	}
	dst := filepath.Join(dir, filepath.Base(vars))
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		return "", fmt.Errorf("UEFI variable store copy: %w", err)
	}
	return dst, nil
}
