package desktop

import (
	"strings"
	"testing"
)

func TestCheckHost(t *testing.T) {
	cases := []struct {
		goos, goarch, arch, fw string
		wantErr                string
	}{
		{"darwin", "arm64", "arm64", "efi", ""},
		{"darwin", "arm64", "amd64", "bios", `VMware Fusion on Apple silicon runs only arm64 EFI guests, not amd64 BIOS; build the image with arch = "arm64" and an EFI format`},
		{"darwin", "arm64", "amd64", "efi", "runs only arm64 EFI guests, not amd64 EFI"},
		{"darwin", "amd64", "amd64", "bios", ""},
		{"darwin", "amd64", "arm64", "efi", "runs only amd64 guests"},
		{"linux", "amd64", "amd64", "bios", ""},
		{"windows", "amd64", "amd64", "efi", ""},
		{"linux", "arm64", "arm64", "efi", "VMware Workstation does not run on linux/arm64"},
		{"freebsd", "amd64", "amd64", "bios", "no VMware desktop hypervisor runs on freebsd/amd64"},
		{"linux", "amd64", "amd64", "uefi", `firmware: unknown value "uefi"`},
		{"linux", "amd64", "x86", "bios", `arch: unknown value "x86"`},
	}
	for _, c := range cases {
		err := CheckHost(c.goos, c.goarch, c.arch, c.fw)
		if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("CheckHost(%s, %s, %s, %s) = %v, want %q", c.goos, c.goarch, c.arch, c.fw, err, c.wantErr)
		}
	}
}
