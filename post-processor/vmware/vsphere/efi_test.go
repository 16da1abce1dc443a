package vsphere_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// efiSimConfig is a vsphere configuration for sim's cluster, plus extra.
func efiSimConfig(sim *testrig.VCSim, extra map[string]interface{}) map[string]interface{} {
	return vmwaretest.With(map[string]interface{}{
		"target":              "vsphere",
		"vcenter_server":      sim.Host(),
		"username":            sim.Username,
		"password":            sim.Password,
		"insecure_connection": true,
		"datacenter":          "DC0",
		"cluster":             "DC0_C0",
		"datastore":           "LocalDS_0",
		"network":             "VM Network",
	}, extra)
}

// efiSimVM reads the VM (or template) name from sim's inventory: its config
// and its devices.
func efiSimVM(t *testing.T, sim *testrig.VCSim, name string) mo.VirtualMachine {
	t.Helper()
	ctx := context.Background()
	c, err := sim.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Logout(context.Background())
	vm, err := find.NewFinder(c.Client).VirtualMachine(ctx, "/DC0/vm/"+name)
	if err != nil {
		t.Fatalf("finding the VM %s: %v", name, err)
	}
	var m mo.VirtualMachine
	if err := vm.Properties(ctx, vm.Reference(), []string{"config"}, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestVSphereEFIFromISO: an artifact with BIOS and EFI media and firmware =
// "efi" makes, on vcsim, a template whose config.firmware is efi and whose
// CD-ROM holds the iso-efi image (uploaded under its digest name), not the
// iso-bios one. Without the option the same artifact gives a BIOS VM from
// iso-bios.
func TestVSphereEFIFromISO(t *testing.T) {
	vmwaretest.CleanEnv(t)
	sim := testrig.StartVCSim(t)
	formats := vmwaretest.EFIStandIn(t, "lkefi", artifact.ArchAMD64, false, artifact.FormatISOEFI)
	formats[artifact.FormatISOBIOS] = vmwaretest.TempFile(t, "lkefi.iso", "an iso-bios stand-in")
	in := vmwaretest.InputArch("lkefi", artifact.ArchAMD64, formats, true)

	if _, err := vmwaretest.Run(t, context.Background(), newVSUI(t), in, efiSimConfig(sim, map[string]interface{}{
		"firmware": "efi", "convert_to_template": true,
	}), nil); err != nil {
		t.Fatalf("PostProcess: %v", err)
	}
	m := efiSimVM(t, sim, "lkefi")
	if m.Config.Firmware != "efi" || !m.Config.Template {
		t.Errorf("config.firmware %q, template %v; want an efi template", m.Config.Firmware, m.Config.Template)
	}
	cds := object.VirtualDeviceList(m.Config.Hardware.Device).SelectByType((*types.VirtualCdrom)(nil))
	if len(cds) != 1 {
		t.Fatalf("%d CD-ROMs", len(cds))
	}
	iso := "[LocalDS_0] linuxkit/lkefi-" + vmwaretest.SpecDigest[len("sha256:"):][:12] + "-efi.iso"
	if b, ok := cds[0].GetVirtualDevice().Backing.(*types.VirtualCdromIsoBackingInfo); !ok || b.FileName != iso {
		t.Errorf("CD-ROM backing %#v, want %s", cds[0].GetVirtualDevice().Backing, iso)
	}
	ui := newVSUI(t)
	if _, err := vmwaretest.Run(t, context.Background(), ui, in, efiSimConfig(sim, map[string]interface{}{"vm_name": "lkbios"}), nil); err != nil {
		t.Fatalf("PostProcess without firmware: %v", err)
	}
	if fw := efiSimVM(t, sim, "lkbios").Config.Firmware; fw != "bios" {
		t.Errorf("without firmware, an artifact with both media gave firmware %q, want bios", fw)
	}
	if !strings.Contains(ui.text(), "lkefi.iso") {
		t.Errorf("the BIOS VM did not take iso-bios's file:\n%s", ui.text())
	}
}

// TestVSphereEFIDiskImport: an artifact with only EFI media, boot_media =
// "disk": the streamOptimized vmdk-efi is imported through the generated
// OVF with firmware efi (the option left unset: the artifact's media say
// it); a monolithicSparse vmdk-efi with a raw-efi disk is converted, as
// raw-bios is.
func TestVSphereEFIDiskImport(t *testing.T) {
	vmwaretest.CleanEnv(t)
	sim := testrig.StartVCSim(t)
	stream := vmwaretest.EFIStandIn(t, "lkimp", artifact.ArchAMD64, true, artifact.FormatVMDKEFI, artifact.FormatISOEFI)
	ui := newVSUI(t)
	in := vmwaretest.InputArch("lkimp", artifact.ArchAMD64, stream, false)
	if _, err := vmwaretest.Run(t, context.Background(), ui, in, efiSimConfig(sim, map[string]interface{}{"boot_media": "disk"}), nil); err != nil {
		t.Fatalf("PostProcess: %v", err)
	}
	if !strings.Contains(ui.text(), `Importing the VM "lkimp" from lkimp-efi.vmdk`) {
		t.Errorf("not imported from the vmdk-efi:\n%s", ui.text())
	}
	m := efiSimVM(t, sim, "lkimp")
	devs := object.VirtualDeviceList(m.Config.Hardware.Device)
	if m.Config.Firmware != "efi" || len(devs.SelectByType((*types.VirtualDisk)(nil))) != 1 || len(devs.SelectByType((*types.VirtualCdrom)(nil))) != 0 {
		t.Errorf("imported VM: firmware %q, its devices %v", m.Config.Firmware, devs)
	}

	sparse := vmwaretest.EFIStandIn(t, "lkraw", artifact.ArchAMD64, false, artifact.FormatVMDKEFI, artifact.FormatRawEFI)
	ui = newVSUI(t)
	in = vmwaretest.InputArch("lkraw", artifact.ArchAMD64, sparse, true)
	if _, err := vmwaretest.Run(t, context.Background(), ui, in, efiSimConfig(sim, map[string]interface{}{
		"boot_media": "disk", "firmware": "efi", "output_directory": t.TempDir(),
	}), nil); err != nil {
		t.Fatalf("PostProcess from raw-efi: %v", err)
	}
	if !strings.Contains(ui.text(), "lkraw-stream.vmdk") {
		t.Errorf("the raw-efi disk was not converted:\n%s", ui.text())
	}
	if fw := efiSimVM(t, sim, "lkraw").Config.Firmware; fw != "efi" {
		t.Errorf("from raw-efi: firmware %q", fw)
	}
}

// TestVSphereEFIRefusals: what stops a vSphere run before anything is
// created: a firmware no medium boots with (naming what the artifact has),
// an arm64 artifact, an EFI disk that vSphere cannot import.
func TestVSphereEFIRefusals(t *testing.T) {
	vmwaretest.CleanEnv(t)
	sim := testrig.StartVCSim(t)
	bios := map[string]string{artifact.FormatISOBIOS: vmwaretest.TempFile(t, "lk.iso", "iso")}
	efiSparse := vmwaretest.EFIStandIn(t, "lk", artifact.ArchAMD64, false, artifact.FormatVMDKEFI)
	for _, tc := range []struct {
		name  string
		arch  string
		media map[string]string
		extra map[string]interface{}
		want  string
	}{
		{"efi without EFI media", "amd64", bios, map[string]interface{}{"firmware": "efi"},
			`firmware "efi": the artifact has no medium that boots with EFI (it has iso-bios (bios)); add "iso-efi", "raw-efi" or "vmdk-efi"`},
		{"arm64", "arm64", map[string]string{artifact.FormatISOEFI: vmwaretest.TempFile(t, "lk-efi.iso", "iso")}, nil,
			`the artifact is built for arm64, and target "vsphere" makes amd64 VMs only`},
		{"monolithicSparse vmdk-efi alone", "amd64", efiSparse, map[string]interface{}{"boot_media": "disk"},
			`is a monolithicSparse vmdk, and vSphere imports streamOptimized ones: set vmdk_subformat = "streamOptimized" in the linuxkit source, or add "raw-efi"`},
		{"efi iso missing", "amd64", efiSparse, map[string]interface{}{"boot_media": "iso"},
			`boot_media "iso" with firmware "efi" needs an iso-efi image, and the artifact has none (formats: vmdk-efi): add "iso-efi"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ui := newVSUI(t)
			_, err := vmwaretest.Run(t, context.Background(), ui, vmwaretest.InputArch("lk", tc.arch, tc.media, true), efiSimConfig(sim, tc.extra), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			if strings.Contains(ui.text(), "Connecting") || strings.Contains(ui.text(), "Uploading") {
				t.Errorf("the refused run contacted vCenter:\n%s", ui.text())
			}
		})
	}
	ctx := context.Background()
	c, err := sim.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Logout(ctx)
	if vms, err := find.NewFinder(c.Client).VirtualMachineList(ctx, "/DC0/vm/lk"); err == nil || len(vms) != 0 {
		t.Errorf("refused runs left VMs: %v, %v", vms, err)
	}
}
