package desktop

import (
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

func TestDesktopBootSource(t *testing.T) {
	both := &common.Input{Formats: map[string]string{"vmdk": "a.vmdk", "iso-bios": "a.iso"}}
	isoOnly := &common.Input{Formats: map[string]string{"iso-bios": "a.iso", "tar": "a.tar"}}
	efi := &common.Input{Formats: map[string]string{"vmdk": "b.vmdk", "vmdk-efi": "e.vmdk", "iso-efi": "e.iso"}}
	bios, uefi := common.FormatsFor("bios"), common.FormatsFor("efi")
	for _, tc := range []struct {
		in         *common.Input
		f          common.MediaFormats
		option     string
		media, src string
	}{
		{both, bios, "", "disk", "a.vmdk"},
		{both, bios, "iso", "iso", "a.iso"},
		{both, bios, "disk", "disk", "a.vmdk"},
		{isoOnly, bios, "", "iso", "a.iso"},
		{efi, uefi, "", "disk", "e.vmdk"},
		{efi, uefi, "iso", "iso", "e.iso"},
		{efi, bios, "", "disk", "b.vmdk"},
	} {
		media, src, err := bootSource(tc.option, tc.in, tc.f)
		if err != nil || media != tc.media || src != tc.src {
			t.Errorf("boot_media %q, firmware %s, with %s: %q %q %v", tc.option, tc.f.Firmware, tc.in.FormatNames(), media, src, err)
		}
	}
	for _, tc := range []struct {
		in     *common.Input
		f      common.MediaFormats
		option string
		want   string
	}{
		{both, uefi, "", `the artifact has no bootable efi medium for a desktop VM (formats: iso-bios, vmdk): add "vmdk-efi" (with vmdk_subformat = "monolithicSparse") or "iso-efi"`},
		{isoOnly, bios, "disk", `boot_media "disk" with firmware "bios" needs a vmdk disk`},
		{&common.Input{Formats: map[string]string{"vmdk-efi": "e.vmdk"}}, uefi, "iso", `boot_media "iso" with firmware "efi" needs an iso-efi image, and the artifact has none (formats: vmdk-efi): add "iso-efi"`},
	} {
		if _, _, err := bootSource(tc.option, tc.in, tc.f); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("boot_media %q, firmware %s, with %s: %v, want %q", tc.option, tc.f.Firmware, tc.in.FormatNames(), err, tc.want)
		}
	}
}

func TestExtraDiskName(t *testing.T) {
	used := map[string]bool{"vm-disk1.vmdk": true}
	if got := extraDiskName("vm", 1, used); got != "vm-disk1-2.vmdk" {
		t.Errorf("a name taken by the boot disk gave %q", got)
	}
	if got := extraDiskName("vm", 2, used); got != "vm-disk2.vmdk" {
		t.Errorf("got %q", got)
	}
}
