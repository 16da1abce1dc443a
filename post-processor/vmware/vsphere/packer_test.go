package vsphere_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmware/govmomi/vapi/library"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vsphere"
)

// vsE2EPassword is the password the end-to-end template gives vcsim (which
// accepts any); it must appear nowhere in Packer's output or log.
const vsE2EPassword = "E2e-Vc-Secr3t-9a41"

// TestVSpherePackerBuild is the vsphere target's acceptance test: the real
// packer binary builds an ISO with the linuxkit builder and hands it, across
// Packer's RPC, to linuxkit-vmware with target "vsphere" against vcsim, then
// to the dump post-processor. One template results, the ISO is on the
// datastore, the HCP metadata names vsphere, and PACKER_LOG=1 output never
// shows the password.
func TestVSpherePackerBuild(t *testing.T) {
	r := newVSPackerRig(t)
	args, dump := r.args(t, "lkv", `  formats = ["iso-bios"]`,
		`      disks               = ["10G"]
      convert_to_template = true`)
	res := r.p.Build(t, []string{"PACKER_LOG=1"}, args...)
	if strings.Contains(res.Output, vsE2EPassword) {
		t.Errorf("PACKER_LOG=1 output shows the password")
	}
	if !strings.Contains(res.Output, "[INFO] linuxkit-vmware: vSphere: logged in") {
		t.Errorf("the output has no log line of the post-processor; is PACKER_LOG on?\n%s", res.Output)
	}

	// What vcsim holds now.
	s := r.sim
	var templates []vsVM
	for _, v := range s.vms(t) {
		if v.BuildID != "" {
			templates = append(templates, v)
		}
	}
	if len(templates) != 1 || templates[0].Name != "lkv" || !templates[0].Template {
		t.Fatalf("VMs made by the build: %v", templates)
	}

	state := readVSDump(t, dump, res.Output)
	if state.BuilderID != common.BuilderID || state.ID != "/DC0/vm/lkv" || state.VMName != "lkv" || state.Datacenter != "DC0" ||
		!strings.HasPrefix(state.SpecDigest, "sha256:") {
		t.Errorf("artifact after RPC: %+v", state)
	}
	if state.HCP.ProviderName != "vsphere" || state.HCP.ImageID != "/DC0/vm/lkv" || state.HCP.ProviderRegion != "DC0" ||
		state.HCP.SourceImageID != state.SpecDigest || state.HCP.Labels["datastore"] != "LocalDS_0" {
		t.Errorf("HCP metadata after RPC: %+v", state.HCP)
	}
	iso := "linuxkit/lkv-" + vsphere.Digest12(state.SpecDigest) + ".iso"
	if got := strings.Join(s.dsFiles(t, "linuxkit"), ","); got != iso+","+iso+".sha256" {
		t.Errorf("datastore files: %s, want %s and its sidecar", got, iso)
	}
}

// vsE2EVariant is the end-to-end template: its output name and
// output directory are variables, with extra lines in the linuxkit source
// (%[1]s) and in the linuxkit-vmware post-processor (%[2]s), so several
// runs share one vcsim and one plugin installation.
const vsE2EVariant = `
variable "cache"    { type = string }
variable "insecure" { type = string }
variable "server"   { type = string }
variable "dump"     { type = string }
variable "name"     { type = string }
variable "out"      { type = string }

source "linuxkit" "e2e" {
  spec_files          = ["${path.root}/spec.yml"]
  output_name         = var.name
  output_directory    = var.out
  cache_dir           = var.cache
  insecure_registries = [var.insecure]
%[1]s
}

build {
  sources = ["source.linuxkit.e2e"]

  post-processors {
    post-processor "linuxkit-vmware" {
      target              = "vsphere"
      vcenter_server      = var.server
      username            = "user"
      password            = "` + vsE2EPassword + `"
      insecure_connection = true
      datacenter          = "DC0"
      cluster             = "DC0_C0"
      datastore           = "LocalDS_0"
      network             = "VM Network"
%[2]s
    }
    post-processor "linuxkit-dump" {
      path = var.dump
    }
  }
}
`

// vsPackerRig is one vcsim (testrig's, in this test process), one loopback registry holding the
// fixture images and one packer with the plugin installed: what every
// end-to-end vsphere run of a test shares.
type vsPackerRig struct {
	server string
	reg    string
	p      *testrig.Packer
	sim    *vsSim
}

func newVSPackerRig(t *testing.T) *vsPackerRig {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the real packer binary")
	}
	vmwaretest.CleanEnv(t)
	sim := newAnyLoginSim(t, "user", vsE2EPassword)
	rig := testrig.NewPackerRig(t)
	rig.WriteFile(t, "spec.yml", testrig.FixtureSpec(rig.Fixtures, testrig.DefaultAppend, ""))
	return &vsPackerRig{server: sim.host, reg: rig.Registry.Host, p: rig.Packer, sim: sim}
}

// args writes the template <name>.pkr.hcl (vsE2EVariant with the builder's
// and the post-processor's extra lines) and returns the arguments of a
// `packer build` of it whose artifact is named name and whose dump goes to
// the returned path.
func (r *vsPackerRig) args(t *testing.T, name, builder, pp string) (args []string, dump string) {
	t.Helper()
	return r.argsOf(t, vsE2EVariant, name, builder, pp)
}

// argsOf is args with another template than vsE2EVariant (same variables
// and verbs).
func (r *vsPackerRig) argsOf(t *testing.T, template, name, builder, pp string) (args []string, dump string) {
	t.Helper()
	r.p.WriteFile(t, name+".pkr.hcl", fmt.Sprintf(template, builder, pp))
	dump = filepath.Join(r.p.Dir, name+"-dump.json")
	return testrig.BuildArgs(name+".pkr.hcl",
		"cache="+filepath.Join(r.p.Dir, "cache"), "insecure="+r.reg,
		"server="+r.server, "dump="+dump,
		"name="+name, "out="+filepath.Join(r.p.Dir, "out-"+name)), dump
}

// vsDump is what the dump post-processor wrote about the vsphere artifact.
type vsDump struct {
	BuilderID  string `json:"builder_id"`
	ID         string `json:"id"`
	VMName     string `json:"vm_name"`
	Datacenter string `json:"datacenter"`
	SpecDigest string `json:"spec_digest"`
	HCP        struct {
		ImageID        string
		ProviderName   string
		ProviderRegion string
		SourceImageID  string
		Labels         map[string]string
	} `json:"hcp"`
}

// readVSDump reads the dump a run wrote to path (output is what packer
// printed, for the failure message).
func readVSDump(t *testing.T, path, output string) vsDump {
	t.Helper()
	var d vsDump
	testrig.ReadDump(t, path, output, &d)
	return d
}

// TestVSpherePackerDiskTemplate is the acceptance run with boot_media
// "disk": the linuxkit builder writes a streamOptimized vmdk, which
// linuxkit-vmware imports into vcsim (over NFC, whose bytes vcsim drops;
// internal/vsphere's tests check them) and marks as a template. Exactly one
// template results, booting from its one VirtualDisk with no CD-ROM, nothing
// is uploaded to upload_path, and the HCP metadata names vsphere.
func TestVSpherePackerDiskTemplate(t *testing.T) {
	r := newVSPackerRig(t)
	args, dump := r.args(t, "lkdisk",
		`  formats        = ["vmdk"]
  vmdk_subformat = "streamOptimized"`,
		`      boot_media          = "disk"
      convert_to_template = true`)
	res := r.p.Build(t, nil, args...)
	if !strings.Contains(res.Output, `Importing the VM "lkdisk" from lkdisk.vmdk`) {
		t.Errorf("the VM was not imported from the builder's vmdk:\n%s", res.Output)
	}

	vms := r.sim.vms(t)
	if len(vms) != 1 || vms[0].Name != "lkdisk" || !vms[0].Template || vms[0].BuildID == "" {
		t.Fatalf("VMs made by the build: %v, want the one template lkdisk", vms)
	}
	devs := vsDevices(vms[0])
	if n := len(devs.SelectByType((*types.VirtualDisk)(nil))); n != 1 {
		t.Errorf("%d VirtualDisks, want the imported boot disk", n)
	}
	if n := len(devs.SelectByType((*types.VirtualCdrom)(nil))); n != 0 {
		t.Errorf("%d CD-ROMs on a template that boots from its disk", n)
	}
	if files := r.sim.dsFiles(t, "linuxkit"); len(files) != 0 {
		t.Errorf("uploads with boot_media disk: %v", files)
	}

	d := readVSDump(t, dump, res.Output)
	if d.BuilderID != common.BuilderID || d.ID != "/DC0/vm/lkdisk" || d.VMName != "lkdisk" || d.Datacenter != "DC0" ||
		!strings.HasPrefix(d.SpecDigest, "sha256:") {
		t.Errorf("artifact after RPC: %+v", d)
	}
	if d.HCP.ProviderName != vsphere.HCPProvider || d.HCP.ImageID != "/DC0/vm/lkdisk" || d.HCP.ProviderRegion != "DC0" ||
		d.HCP.SourceImageID != d.SpecDigest || d.HCP.Labels["datastore"] != "LocalDS_0" {
		t.Errorf("HCP metadata after RPC: %+v", d.HCP)
	}
}

// TestVSpherePackerContentLibrary is the acceptance run with a
// content_library block and destroy = true: the VM built from the ISO is
// published to the library "lk" (which must exist: the test creates it, as
// an administrator would) and then removed. The item exists, no VM of the
// name remains, and the artifact's id, across Packer's RPC, is the item's.
func TestVSpherePackerContentLibrary(t *testing.T) {
	r := newVSPackerRig(t)
	lm, libID := r.sim.library(t, "lk")
	args, dump := r.args(t, "lklib", `  formats = ["iso-bios"]`,
		`      content_library {
        library = "lk"
        destroy = true
      }`)
	res := r.p.Build(t, nil, args...)

	d := readVSDump(t, dump, res.Output)
	it, err := lm.GetLibraryItem(context.Background(), d.ID)
	if err != nil {
		t.Fatalf("the artifact's id %q is no library item: %v\n%s", d.ID, err, res.Output)
	}
	if it.LibraryID != libID || it.Name != "lklib-template" || it.Type != library.ItemTypeVMTX {
		t.Errorf("library item %+v", it)
	}
	for _, v := range r.sim.vms(t) {
		if v.Name == "lklib" {
			t.Errorf("content_library.destroy left the VM %v", v)
		}
	}
	if d.BuilderID != common.BuilderID || d.VMName != "lklib" || d.Datacenter != "DC0" {
		t.Errorf("artifact after RPC: %+v", d)
	}
	if d.HCP.ProviderName != vsphere.HCPProvider || d.HCP.ImageID != it.ID || d.HCP.ProviderRegion != "DC0" ||
		d.HCP.Labels["content_library_item"] != it.ID {
		t.Errorf("HCP metadata after RPC: %+v", d.HCP)
	}
}
