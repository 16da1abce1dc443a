// Command lkvsphere is lkbench's child for the vSphere rows: it does our side
// of a datastore upload or a VM import with internal/vsphere, against vcsim.
//
//	lkvsphere upload GOVC_URL FILE DSPATH
//	lkvsphere import GOVC_URL VMDK NAME
//
// It is its own binary so that govmomi's start-up memory does not inflate
// the peak RSS of lkbench's other children.
package main

import (
	"context"
	"fmt"
	"net/url"
	"os"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vsphere"
)

func main() {
	ops := map[string]func([]string) error{"upload": vsphereUpload, "import": vsphereImport}
	if len(os.Args) != 5 || ops[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: lkvsphere upload|import GOVC_URL FILE DSPATH|NAME")
		os.Exit(2)
	}
	if err := ops[os.Args[1]](os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "lkvsphere:", err)
		os.Exit(1)
	}
}

// vcsimPlacement is where the benchmark puts things in vcsim's default
// (VPX) inventory; the network is named because vcsim has several.
var vcsimPlacement = vsphere.Placement{Datacenter: "DC0", Cluster: "DC0_C0", Datastore: "LocalDS_0", Network: "VM Network"}

// vsphereConnect logs in to the vcsim at govcURL (user:pass@host/sdk) and
// resolves the placement, as the post-processor does before its work.
func vsphereConnect(ctx context.Context, govcURL string) (*vsphere.Driver, *vsphere.Target, error) {
	u, err := url.Parse(govcURL)
	if err != nil {
		return nil, nil, fmt.Errorf("GOVC_URL: %w", err)
	}
	pass, _ := u.User.Password()
	d, err := vsphere.Connect(ctx, vsphere.ConnectConfig{Server: u.Host, Username: u.User.Username(), Password: pass, Insecure: true})
	if err != nil {
		return nil, nil, err
	}
	t, err := d.FindPlacement(ctx, vcsimPlacement)
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	return d, t, nil
}

// vsphereUpload is `upload URL FILE DSPATH`: our datastore upload.
func vsphereUpload(a []string) error {
	ctx := context.Background()
	d, t, err := vsphereConnect(ctx, a[0])
	if err != nil {
		return err
	}
	defer d.Close()
	return d.UploadFile(ctx, t, a[1], a[2], nil)
}

// vsphereImport is `import URL VMDK NAME`: our import of a
// streamOptimized vmdk as a new VM (OVF + ImportVApp + NFC upload).
func vsphereImport(a []string) error {
	ctx := context.Background()
	d, t, err := vsphereConnect(ctx, a[0])
	if err != nil {
		return err
	}
	defer d.Close()
	_, err = d.ImportVM(ctx, t, vsphere.VMSpec{Name: a[2], BuildID: "lkbench"}, a[1], nil)
	return err
}
