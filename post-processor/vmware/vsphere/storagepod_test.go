package vsphere_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// TestVSphereDatastoreCluster places the VM through a datastore cluster:
// of the model's two datastores, vcsim's storage pod DC0_POD0 holds
// LocalDS_1, and its Storage DRS recommendation (vcsim recommends each
// datastore of the pod, in order) is where the ISO is uploaded and the VM
// created. An unknown cluster stops
// the build, listing the ones that exist.
func TestVSphereDatastoreCluster(t *testing.T) {
	s := newVSSim(t, testrig.WithModel(func(m *simulator.Model) { m.Pod, m.Datastore = 1, 2 }))
	d, _ := s.driver(t)
	ctx := context.Background()
	f := find.NewFinder(d.Client(), true)
	pod, err := f.DatastoreCluster(ctx, "/DC0/datastore/DC0_POD0")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := f.Datastore(ctx, "/DC0/datastore/LocalDS_1")
	if err != nil {
		t.Fatal(err)
	}
	task, err := pod.MoveInto(ctx, []types.ManagedObjectReference{ds.Reference()})
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	in, _ := vsInput(t, "lkpod", 1<<20)
	cfg := s.config(map[string]interface{}{"datastore_cluster": "DC0_POD0"})
	delete(cfg, "datastore")
	ui := newVSUI(t)
	if _, err := vmwaretest.Run(t, ctx, ui, in, cfg, nil); err != nil {
		t.Fatalf("PostProcess: %v", err)
	}
	vms := s.vms(t)
	if len(vms) != 1 || !strings.HasPrefix(vms[0].Ref.Config.Files.VmPathName, "[LocalDS_1] ") {
		t.Fatalf("VMs %v, want one on LocalDS_1 (the pod's recommendation)", vms)
	}
	cds := vsDevices(vms[0]).SelectByType((*types.VirtualCdrom)(nil))
	if len(cds) != 1 || !strings.HasPrefix(cds[0].GetVirtualDevice().Backing.(*types.VirtualCdromIsoBackingInfo).FileName, "[LocalDS_1] linuxkit/lkpod-") {
		t.Errorf("CD-ROMs %v, want the ISO uploaded to LocalDS_1", cds)
	}
	if files := s.dsFiles(t, "linuxkit"); len(files) != 0 {
		t.Errorf("uploads on LocalDS_0, outside the datastore cluster: %v", files)
	}
	cfg = s.config(map[string]interface{}{"datastore_cluster": "NoSuchPod", "vm_name": "lkpod2"})
	delete(cfg, "datastore")
	_, err = vmwaretest.Run(t, ctx, newVSUI(t), in, cfg, nil)
	if err == nil || !strings.Contains(err.Error(), `datastore_cluster "NoSuchPod" not found`) || !strings.Contains(err.Error(), "DC0_POD0") {
		t.Errorf("error %v, want the unknown datastore cluster named with the candidates", err)
	}
}
