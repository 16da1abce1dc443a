package vsphere_test

import (
	"strings"
	"testing"

	"github.com/vmware/govmomi/vim25/types"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vsphere"
)

// TestVSpherePackerEFITemplate is the EFI acceptance run: the real packer
// builds iso-efi and iso-bios with the linuxkit builder, and linuxkit-vmware
// with firmware = "efi" makes, on vcsim, a template whose config.firmware is
// efi and whose CD-ROM holds the iso-efi image (its -efi upload name). It
// needs the builder's EFI formats.
func TestVSpherePackerEFITemplate(t *testing.T) {
	r := newVSPackerRig(t)
	args, dump := r.args(t, "lkefi", `  formats = ["iso-bios", "iso-efi"]`,
		`      firmware            = "efi"
      convert_to_template = true`)
	res := r.p.Build(t, nil, args...)

	var made []vsVM
	for _, v := range r.sim.vms(t) {
		if v.BuildID != "" {
			made = append(made, v)
		}
	}
	if len(made) != 1 || made[0].Name != "lkefi" || !made[0].Template || made[0].Ref.Config.Firmware != "efi" {
		t.Fatalf("VMs made by the build: %v (firmware %q), want the one efi template lkefi\n%s", made, firmwareOf(made), res.Output)
	}
	d := readVSDump(t, dump, res.Output)
	iso := "[LocalDS_0] linuxkit/lkefi-" + vsphere.Digest12(d.SpecDigest) + "-efi.iso"
	cds := vsDevices(made[0]).SelectByType((*types.VirtualCdrom)(nil))
	if len(cds) != 1 {
		t.Fatalf("%d CD-ROMs", len(cds))
	}
	if b, ok := cds[0].GetVirtualDevice().Backing.(*types.VirtualCdromIsoBackingInfo); !ok || b.FileName != iso {
		t.Errorf("CD-ROM backing %#v, want %s", cds[0].GetVirtualDevice().Backing, iso)
	}
	if d.ID != "/DC0/vm/lkefi" || !strings.HasPrefix(d.SpecDigest, "sha256:") {
		t.Errorf("artifact after RPC: %+v", d)
	}
}

// firmwareOf lists the firmware of vms, for failure messages.
func firmwareOf(vms []vsVM) []string {
	var fw []string
	for _, v := range vms {
		fw = append(fw, v.Ref.Config.Firmware)
	}
	return fw
}
