package testrig

import (
	"os"
	"path/filepath"
	"testing"
)

// Firmware selects what QEMU boots with (BootOptions.Firmware).
type Firmware string

// The firmwares Boot knows. BIOS is the default.
const (
	// FirmwareBIOS is SeaBIOS on qemu-system-x86_64's default machine.
	FirmwareBIOS Firmware = ""
	// FirmwareOVMF is EDK2's OVMF (Debian package ovmf) on the q35 machine: amd64 UEFI.
	FirmwareOVMF Firmware = "ovmf"
	// FirmwareAAVMF is EDK2's AAVMF (Debian package qemu-efi-aarch64) on
	// qemu-system-aarch64 -M virt -cpu max (Debian package qemu-system-arm): arm64 UEFI.
	FirmwareAAVMF Firmware = "aavmf"
)

// QEMUBinaryARM64 is the emulator of arm64 boots (FirmwareAAVMF), under TCG too.
const QEMUBinaryARM64 = "qemu-system-aarch64"

// DefaultAppendARM64 is DefaultAppend for arm64: the console is the PL011 UART, ttyAMA0.
const DefaultAppendARM64 = "console=ttyAMA0 panic=-1"

// uefi is one UEFI firmware: its emulator, machine, and pflash code and variable store.
type uefi struct {
	binary  string
	machine []string
	code    string
	vars    string
	pkg     string
}

var uefis = map[Firmware]uefi{
	FirmwareOVMF: {QEMUBinary, []string{"-M", "q35"},
		"/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd", "ovmf"},
	FirmwareAAVMF: {QEMUBinaryARM64, []string{"-M", "virt", "-cpu", "max"},
		"/usr/share/AAVMF/AAVMF_CODE.fd", "/usr/share/AAVMF/AAVMF_VARS.fd", "qemu-efi-aarch64 qemu-system-arm"},
}

// binary returns the emulator that runs firmware f.
func (f Firmware) binary() string {
	if u, ok := uefis[f]; ok {
		return u.binary
	}
	return QEMUBinary
}

// prepareFirmware checks that f's emulator and files exist and copies its variable store into a
// test directory (UEFI writes to it), returning the copy's path; "" for BIOS. A missing part
// fails the test (skips it under -short).
func prepareFirmware(t testing.TB, f Firmware) string {
	t.Helper()
	Require(t, f.binary())
	u, ok := uefis[f]
	if !ok {
		if f != FirmwareBIOS {
			t.Fatalf("testrig: unknown firmware %q", f)
		}
		return ""
	}
	for _, p := range []string{u.code, u.vars} {
		if _, err := os.Stat(p); err != nil {
			Missing(t, "UEFI firmware file %s (apt-get install %s)", p, u.pkg)
		}
	}
	vars, err := os.ReadFile(u.vars)
	if err != nil {
		t.Fatalf("testrig: read %s: %v", u.vars, err)
	}
	dst := filepath.Join(t.TempDir(), filepath.Base(u.vars))
	if err := os.WriteFile(dst, vars, 0o644); err != nil {
		t.Fatalf("testrig: copy the UEFI variable store: %v", err)
	}
	return dst
}

// firmwareArgs returns the machine and pflash arguments of f with its variable store at vars.
func firmwareArgs(f Firmware, vars string) []string {
	u, ok := uefis[f]
	if !ok {
		return nil
	}
	return append(append([]string(nil), u.machine...),
		"-drive", "if=pflash,format=raw,unit=0,readonly=on,file="+u.code,
		"-drive", "if=pflash,format=raw,unit=1,file="+vars)
}
