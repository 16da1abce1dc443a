package desktop

import (
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

func TestDesktopBootSource(t *testing.T) {
	both := &common.Input{Formats: map[string]string{"vmdk": "a.vmdk", "iso-bios": "a.iso"}}
	isoOnly := &common.Input{Formats: map[string]string{"iso-bios": "a.iso", "tar": "a.tar"}}
	for _, tc := range []struct {
		in         *common.Input
		option     string
		media, src string
	}{
		{both, "", "disk", "a.vmdk"},
		{both, "iso", "iso", "a.iso"},
		{both, "disk", "disk", "a.vmdk"},
		{isoOnly, "", "iso", "a.iso"},
	} {
		media, src, err := bootSource(tc.option, tc.in)
		if err != nil || media != tc.media || src != tc.src {
			t.Errorf("boot_media %q with %s: %q %q %v", tc.option, tc.in.FormatNames(), media, src, err)
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
