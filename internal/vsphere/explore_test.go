package vsphere

import (
	"context"
	"fmt"
	"testing"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
)

func TestExplore(t *testing.T) {
	m := simulator.VPX()
	m.Folder = 1
	m.Datastore = 2
	m.Test(func(ctx context.Context, c *vim25.Client) {
		f := find.NewFinder(c)
		dcs, err := f.DatacenterList(ctx, "*")
		fmt.Println("dcs", err)
		for _, d := range dcs {
			fmt.Println(" dc", d.InventoryPath)
		}
		dcs, err = f.DatacenterList(ctx, "DC0")
		fmt.Println("dc DC0", len(dcs), err)
		f.SetDatacenter(dcs[0])
		dss, err := f.DatastoreList(ctx, "*")
		for _, d := range dss {
			fmt.Println(" ds", d.InventoryPath)
		}
		crs, err := f.ComputeResourceList(ctx, "*")
		for _, d := range crs {
			fmt.Println(" cr", d.InventoryPath, d.Reference())
		}
		hs, err := f.HostSystemList(ctx, "*")
		for _, d := range hs {
			fmt.Println(" host", d.InventoryPath)
		}
		ns, err := f.NetworkList(ctx, "*")
		for _, d := range ns {
			fmt.Println(" net", d.GetInventoryPath(), d.Reference())
		}
		ps, err := f.ResourcePoolList(ctx, "*")
		for _, d := range ps {
			fmt.Println(" pool", d.InventoryPath)
		}
		fs, err := f.FolderList(ctx, "*")
		for _, d := range fs {
			fmt.Println(" folder", d.InventoryPath)
		}
		vms, err := f.VirtualMachineList(ctx, "*")
		for _, d := range vms {
			fmt.Println(" vm", d.InventoryPath)
		}
	})
}
