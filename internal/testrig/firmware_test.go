package testrig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFirmwareArgs checks the UEFI command lines against the invocations measured to boot: q35
// with OVMF's pflash pair; virt/max with AAVMF's, the CD on virtio-scsi, disks on virtio and
// the console on ttyAMA0.
func TestFirmwareArgs(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "x.img")
	if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		opts BootOptions
		want []string
	}{
		{BootOptions{Firmware: FirmwareOVMF, Disk: f, vars: "/v"}, []string{"-M q35", "unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd", "unit=1,file=/v", "if=ide"}},
		{BootOptions{Firmware: FirmwareOVMF, ISO: f, vars: "/v"}, []string{"-M q35", "-cdrom " + f}},
		{BootOptions{Firmware: FirmwareAAVMF, ISO: f, vars: "/v"}, []string{"-M virt -cpu max", "AAVMF_CODE.fd", "virtio-scsi-pci", "media=cdrom", "scsi-cd,drive=cd"}},
		{BootOptions{Firmware: FirmwareAAVMF, Disk: f, vars: "/v"}, []string{"if=virtio"}},
		{BootOptions{Firmware: FirmwareAAVMF, Kernel: f, vars: "/v"}, []string{"-append " + DefaultAppendARM64}},
	}
	for _, c := range cases {
		args, err := qemuArgs(c.opts)
		if err != nil {
			t.Fatal(err)
		}
		line := strings.Join(args, " ")
		for _, w := range c.want {
			if !strings.Contains(line, w) {
				t.Errorf("%s: %q lacks %q", c.opts.Firmware, line, w)
			}
		}
	}
	if FirmwareAAVMF.binary() != QEMUBinaryARM64 || FirmwareOVMF.binary() != QEMUBinary || FirmwareBIOS.binary() != QEMUBinary {
		t.Errorf("emulators: %s %s %s", FirmwareAAVMF.binary(), FirmwareOVMF.binary(), FirmwareBIOS.binary())
	}
	if got := firmwareArgs(FirmwareBIOS, ""); got != nil {
		t.Errorf("BIOS adds %v", got)
	}
}
