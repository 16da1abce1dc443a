package vsphere_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"
	"github.com/vmware/govmomi/vapi/library"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// TestVSphereDiskImport imports a VM from the artifact's streamOptimized
// vmdk (boot_media "disk"): the boot disk plus the extra disk, no CD-ROM,
// nothing uploaded to upload_path.
func TestVSphereDiskImport(t *testing.T) {
	s := newVSSim(t)
	dir := t.TempDir()
	disk := filepath.Join(dir, "lkd.vmdk")
	vmwaretest.VMDK(t, disk, true)
	in := vmwaretest.Input("lkd", map[string]string{artifact.FormatVMDK: disk}, true)
	ui := newVSUI(t)
	art, err := vmwaretest.Run(t, context.Background(), ui, in, s.config(map[string]interface{}{"disks": []string{"1G"}}), nil)
	if err != nil {
		t.Fatalf("PostProcess: %v", err)
	}
	fi, err := os.Stat(disk)
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := ui.bar("lkd.vmdk"); !ok || b.total != fi.Size() || b.read != b.total || !b.closed {
		t.Errorf("the import's progress bar: %+v (shown: %v), want all %d bytes of the vmdk read and the bar closed", b, ok, fi.Size())
	}
	vms := s.vms(t)
	if len(vms) != 1 || vms[0].Name != "lkd" || vms[0].Template {
		t.Fatalf("VMs: %+v", vms)
	}
	devs := vsDevices(vms[0])
	if n := len(devs.SelectByType((*types.VirtualCdrom)(nil))); n != 0 {
		t.Errorf("%d CD-ROMs on a VM that boots from its disk", n)
	}
	if n := len(devs.SelectByType((*types.VirtualDisk)(nil))); n != 2 {
		t.Errorf("%d disks, want the boot disk and the extra one", n)
	}
	if n := len(devs.SelectByType((*types.VirtualSerialPort)(nil))); n != 1 {
		t.Errorf("%d serial ports, want the console log's", n)
	}
	if files := s.dsFiles(t, "linuxkit"); len(files) != 0 {
		t.Errorf("uploads with boot_media disk: %v", files)
	}
	if art.Id() != "/DC0/vm/lkd" {
		t.Errorf("Id = %q", art.Id())
	}
}

// TestVSphereDiskConversion converts the artifact's raw disk to a
// temporary streamOptimized vmdk when its vmdk is monolithicSparse, and
// refuses a monolithicSparse vmdk alone with what to change.
func TestVSphereDiskConversion(t *testing.T) {
	s := newVSSim(t)
	dir := t.TempDir()
	sparse := filepath.Join(dir, "lkc.vmdk")
	vmwaretest.VMDK(t, sparse, false)

	in := vmwaretest.Input("lkc", map[string]string{artifact.FormatVMDK: sparse}, false)
	_, err := vmwaretest.Run(t, context.Background(), newVSUI(t), in, s.config(map[string]interface{}{"boot_media": "disk"}), nil)
	if err == nil || !strings.Contains(err.Error(), `vmdk_subformat = "streamOptimized"`) || !strings.Contains(err.Error(), `"raw-bios"`) {
		t.Fatalf("monolithicSparse only: %v", err)
	}
	if vms := s.vms(t); len(vms) != 0 {
		t.Fatalf("VMs after the refused run: %+v", vms)
	}

	raw := filepath.Join(dir, "lkc.raw")
	if err := os.WriteFile(raw, []byte(strings.Repeat("linuxkit raw disk ", 1<<16)[:1<<20]), 0o644); err != nil {
		t.Fatal(err)
	}
	in = vmwaretest.Input("lkc", map[string]string{artifact.FormatVMDK: sparse, artifact.FormatRawBIOS: raw}, false)
	out := filepath.Join(t.TempDir(), "conv")
	ui := newVSUI(t)
	if _, err := vmwaretest.Run(t, context.Background(), ui, in, s.config(map[string]interface{}{"boot_media": "disk", "output_directory": out}), nil); err != nil {
		t.Fatalf("PostProcess: %v", err)
	}
	if !strings.Contains(ui.text(), "lkc-stream.vmdk") {
		t.Errorf("no conversion shown:\n%s", ui.text())
	}
	if _, err := os.Stat(filepath.Join(out, "lkc-stream.vmdk")); !os.IsNotExist(err) {
		t.Errorf("the converted vmdk was left behind: %v", err)
	}
	if vms := s.vms(t); len(vms) != 1 || len(vsDevices(vms[0]).SelectByType((*types.VirtualDisk)(nil))) != 1 {
		t.Errorf("VMs: %+v", vms)
	}
}

// TestVSphereContentLibrary publishes a VM template item (keeping the VM),
// then an OVF item from a disk-booted VM that content_library.destroy
// removes: the artifact is then the item.
func TestVSphereContentLibrary(t *testing.T) {
	s := newVSSim(t)
	lm, libID := s.library(t, "lk-lib")
	in, _ := vsInput(t, "lkl", 1<<20)
	art, err := vmwaretest.Run(t, context.Background(), newVSUI(t), in, s.config(map[string]interface{}{
		"content_library": map[string]interface{}{"library": "lk-lib", "description": "from a test"},
	}), nil)
	if err != nil {
		t.Fatalf("VM template item: %v", err)
	}
	item := art.State("content_library_item")
	it, err := lm.GetLibraryItem(context.Background(), item.(string))
	if err != nil || it.Name != "lkl-template" || it.Type != library.ItemTypeVMTX || it.LibraryID != libID {
		t.Fatalf("item %+v, %v", it, err)
	}
	if art.Id() != "/DC0/vm/lkl" {
		t.Errorf("Id = %q, want the VM's path", art.Id())
	}
	img := art.State(registryimage.ArtifactStateURI).(*registryimage.Image)
	if img.Labels["content_library_item"] != it.ID {
		t.Errorf("HCP labels %+v", img.Labels)
	}

	dir := t.TempDir()
	disk := filepath.Join(dir, "lko.vmdk")
	vmwaretest.VMDK(t, disk, true)
	in2 := vmwaretest.Input("lko", map[string]string{artifact.FormatVMDK: disk}, false)
	art, err = vmwaretest.Run(t, context.Background(), newVSUI(t), in2, s.config(map[string]interface{}{
		"boot_media":      "disk",
		"content_library": map[string]interface{}{"library": "lk-lib", "ovf": true, "destroy": true},
	}), nil)
	if err != nil {
		t.Fatalf("OVF item: %v", err)
	}
	it, err = lm.GetLibraryItem(context.Background(), art.Id())
	if err != nil || it.Name != "lko" || it.Type != library.ItemTypeOVF {
		t.Fatalf("OVF item %q: %+v, %v", art.Id(), it, err)
	}
	for _, v := range s.vms(t) {
		if v.Name == "lko" {
			t.Errorf("content_library.destroy left the VM %+v", v)
		}
	}
	img = art.State(registryimage.ArtifactStateURI).(*registryimage.Image)
	if img.ImageID != it.ID || img.ProviderRegion != "DC0" || art.State("inventory_path") != nil {
		t.Errorf("HCP metadata %+v, inventory_path %v", img, art.State("inventory_path"))
	}
}

// TestVSphereWaitForIP powers the VM on and waits for the address the
// simulator reports from configuration_parameters, then leaves it running.
func TestVSphereWaitForIP(t *testing.T) {
	s := newVSSim(t)
	in, _ := vsInput(t, "lkip", 1<<20)
	art, err := vmwaretest.Run(t, context.Background(), newVSUI(t), in, s.config(map[string]interface{}{
		"power_on": true, "wait_for_ip": true, "ip_wait_timeout": "30s",
		"configuration_parameters": map[string]string{"SET.guest.ipAddress": "10.0.0.7"},
		"guestinfo":                map[string]string{"userdata": "hello"},
	}), nil)
	if err != nil {
		t.Fatalf("PostProcess: %v", err)
	}
	if art.State("ip") != "10.0.0.7" || !strings.Contains(art.String(), "10.0.0.7") {
		t.Errorf("ip state %v, %s", art.State("ip"), art.String())
	}
	vms := s.vms(t)
	if len(vms) != 1 || vms[0].Template {
		t.Fatalf("VMs: %+v", vms)
	}
	var userdata string
	for _, o := range vms[0].Ref.Config.ExtraConfig {
		if ov := o.GetOptionValue(); ov.Key == "guestinfo.userdata" {
			userdata, _ = ov.Value.(string)
		}
	}
	if userdata != "hello" {
		t.Errorf("guestinfo.userdata = %q", userdata)
	}
}
