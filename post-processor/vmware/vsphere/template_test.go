package vsphere_test

import (
	"context"
	"strings"
	"testing"

	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// TestVSphereTemplateFromISO runs the vsphere target against the simulator:
// one template with the ISO in a CD-ROM, a thin 10G disk and a vmxnet3 NIC
// on "VM Network"; the ISO on the datastore under its digest name; the
// artifact and its HCP metadata. A second run without overwrite fails
// before creating anything; with overwrite it replaces the template.
func TestVSphereTemplateFromISO(t *testing.T) {
	s := newVSSim(t)
	in, _ := vsInput(t, "lk", 3<<20+17)
	raw := s.config(map[string]interface{}{
		"disks": []string{"10G"}, "convert_to_template": true, "notes": "made by a test",
	})
	ui := newVSUI(t)
	art, err := vmwaretest.Run(t, context.Background(), ui, in, raw, nil)
	if err != nil {
		t.Fatalf("PostProcess: %v", err)
	}
	vms := s.vms(t)
	if len(vms) != 1 || vms[0].Name != "lk" || !vms[0].Template || vms[0].BuildID == "" {
		t.Fatalf("VMs after the build: %+v", vms)
	}
	isoName := "linuxkit/lk-" + vmwaretest.SpecDigest[len("sha256:"):][:12] + ".iso"
	if got := strings.Join(s.dsFiles(t, "linuxkit"), ","); got != isoName+","+isoName+".sha256" {
		t.Errorf("datastore files: %s", got)
	}
	if !strings.Contains(ui.text(), "Uploaded 100%") {
		t.Errorf("no upload progress shown:\n%s", ui.text())
	}
	if b, ok := ui.bar("lk.iso"); !ok || b.total != 3<<20+17 || b.read != b.total || !b.closed {
		t.Errorf("the upload's progress bar: %+v (shown: %v), want all %d bytes read and the bar closed", b, ok, 3<<20+17)
	}

	devs := vsDevices(vms[0])
	cds := devs.SelectByType((*types.VirtualCdrom)(nil))
	if len(cds) != 1 {
		t.Fatalf("%d CD-ROMs", len(cds))
	}
	if b, ok := cds[0].GetVirtualDevice().Backing.(*types.VirtualCdromIsoBackingInfo); !ok || b.FileName != "[LocalDS_0] "+isoName {
		t.Errorf("CD-ROM backing %#v", cds[0].GetVirtualDevice().Backing)
	}
	disks := devs.SelectByType((*types.VirtualDisk)(nil))
	if len(disks) != 1 || disks[0].(*types.VirtualDisk).CapacityInBytes != 10<<30 {
		t.Errorf("disks: %d, want one of 10G", len(disks))
	}
	nics := devs.SelectByType((*types.VirtualVmxnet3)(nil))
	if len(nics) != 1 {
		t.Fatalf("%d vmxnet3 NICs", len(nics))
	}
	if b, ok := nics[0].GetVirtualDevice().Backing.(*types.VirtualEthernetCardNetworkBackingInfo); !ok || b.DeviceName != "VM Network" {
		t.Errorf("NIC backing %#v", nics[0].GetVirtualDevice().Backing)
	}
	if n := len(devs.SelectByType((*types.VirtualSerialPort)(nil))); n != 0 {
		t.Errorf("the template keeps %d serial ports", n)
	}
	if vms[0].Ref.Config.Annotation != "made by a test" {
		t.Errorf("notes %q", vms[0].Ref.Config.Annotation)
	}

	path := s.inventoryPath(t, vms[0].Ref)
	if art.BuilderId() != common.BuilderID || art.Id() != path || path != "/DC0/vm/lk" || art.Files() != nil {
		t.Errorf("artifact: builder %q id %q (want %q) files %v", art.BuilderId(), art.Id(), path, art.Files())
	}
	for k, want := range map[string]interface{}{
		"vm_name": "lk", "datacenter": "DC0", "inventory_path": path, "vm_uuid": vms[0].Ref.Config.Uuid,
		"template": true, "target": "vsphere", "spec_digest": vmwaretest.SpecDigest,
	} {
		if got := art.State(k); got != want {
			t.Errorf("State(%q) = %v, want %v", k, got, want)
		}
	}
	if got := art.State("content_library_item"); got != nil {
		t.Errorf("State(content_library_item) = %v, want nil", got)
	}
	img, ok := art.State(registryimage.ArtifactStateURI).(*registryimage.Image)
	if !ok {
		t.Fatalf("HCP metadata: %T", art.State(registryimage.ArtifactStateURI))
	}
	if img.ProviderName != "vsphere" || img.ImageID != path || img.ProviderRegion != "DC0" || img.SourceImageID != vmwaretest.SpecDigest ||
		img.Labels["spec_digest"] != vmwaretest.SpecDigest || img.Labels["datastore"] != "LocalDS_0" || img.Labels["vm_uuid"] != vms[0].Ref.Config.Uuid {
		t.Errorf("HCP metadata: %+v", img)
	}
	if _, ok := img.Labels["content_library_item"]; ok {
		t.Errorf("HCP label content_library_item without a library: %+v", img.Labels)
	}
	if err := art.Destroy(); err != nil || len(s.vms(t)) != 1 {
		t.Errorf("Destroy: %v; it must leave the template", err)
	}

	// Again, without overwrite: an error before anything is created or uploaded.
	ui2 := newVSUI(t)
	if _, err := vmwaretest.Run(t, context.Background(), ui2, in, raw, nil); err == nil || !strings.Contains(err.Error(), `"lk" already exists`) {
		t.Fatalf("second run without overwrite: %v", err)
	}
	if strings.Contains(ui2.text(), "Uploading") {
		t.Errorf("the second run uploaded before failing:\n%s", ui2.text())
	}
	if after := s.vms(t); len(after) != 1 || after[0].BuildID != vms[0].BuildID {
		t.Errorf("VMs after the refused run: %+v", after)
	}

	// With overwrite (Packer's -force): the template is replaced, the
	// unchanged ISO is not uploaded again.
	ui3 := newVSUI(t)
	if _, err := vmwaretest.Run(t, context.Background(), ui3, in, raw, map[string]interface{}{"packer_force": true}); err != nil {
		t.Fatalf("run with -force: %v", err)
	}
	after := s.vms(t)
	if len(after) != 1 || !after[0].Template || after[0].BuildID == vms[0].BuildID {
		t.Errorf("VMs after the forced run: %+v (first build %s)", after, vms[0].BuildID)
	}
	if !strings.Contains(ui3.text(), "not uploaded again") {
		t.Errorf("the unchanged ISO was uploaded again:\n%s", ui3.text())
	}
}
