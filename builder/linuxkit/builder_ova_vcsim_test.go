package linuxkit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmware/govmomi/cli"
	_ "github.com/vmware/govmomi/cli/importx" // govc import.ova
	_ "github.com/vmware/govmomi/cli/library" // govc library.import
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/ovf/importer"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// TestOVAImportsIntoVCSim builds an EFI ova in process and imports it into
// vcsim with `govc import.ova` (govc's own command code, run in process:
// the govc main module is not in this module's graph), then
// checks the VM (its name, CPUs and memory are the ovf_* options, one disk),
// the firmware through govmomi's descriptor-to-config conversion, and the
// manifest as govmomi reads it.
func TestOVAImportsIntoVCSim(t *testing.T) {
	r := newRunRig(t)
	r.withHostStub(t)
	var log uiLog
	a, err := r.build(context.Background(), t, log.ui(), r.raw("ova", []string{FormatOVA},
		map[string]interface{}{"ovf_firmware": "efi", "ovf_cpus": 2, "ovf_memory": 512}))
	if err != nil {
		t.Fatalf("build: %v\n%s", err, log.String())
	}
	ova := a.(*Artifact).Formats[FormatOVA]
	if filepath.Base(ova) != "lk.ova" {
		t.Fatalf("ova %q", ova)
	}

	ctx := context.Background()
	sim := testrig.StartVCSim(t)
	c, err := sim.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Logout(ctx) }()
	finder := find.NewFinder(c.Client)
	dc, err := finder.DefaultDatacenter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	finder.SetDatacenter(dc)
	imp := importer.Importer{Archive: &importer.TapeArchive{Path: ova}}
	opts := filepath.Join(t.TempDir(), "options.json")
	if err := os.WriteFile(opts, []byte(`{"NetworkMapping": [{"Name": "lan", "Network": "VM Network"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	govc(t, sim, "import.ova", "-ds=LocalDS_0", "-pool=DC0_C0/Resources", "-options="+opts, ova)
	// The manifest, read as govc reads it, holds the sums of the members it names.
	if err := imp.ReadManifest("*.ovf"); err != nil {
		t.Fatalf("govmomi cannot read the manifest: %v", err)
	}
	if len(imp.Manifest) != 2 {
		t.Errorf("manifest entries %v, want the descriptor and the disk", imp.Manifest)
	}
	for _, name := range []string{"lk.ovf", "lk-disk1.vmdk"} {
		sum, ok := imp.Manifest[name]
		if !ok || sum.Algorithm != "SHA256" || sum.Checksum != memberSum(t, imp.Archive, name) {
			t.Errorf("manifest entry for %s: %+v", name, sum)
		}
	}
	vm, err := finder.VirtualMachine(ctx, "lk")
	if err != nil {
		t.Fatalf("the imported VM is not in the inventory: %v", err)
	}
	var m mo.VirtualMachine
	if err := vm.Properties(ctx, vm.Reference(), []string{"config"}, &m); err != nil {
		t.Fatal(err)
	}
	hw := m.Config.Hardware
	if hw.NumCPU != 2 || hw.MemoryMB != 512 {
		t.Errorf("VM cpus, memory = %d, %d, want 2, 512", hw.NumCPU, hw.MemoryMB)
	}
	// vcsim's CreateImportSpec leaves the descriptor's vmw:Config keys out; vCenter reads
	// them as govmomi's own OVF-to-ConfigSpec conversion does, so that is checked instead.
	text, err := importer.ReadOvf("*.ovf", imp.Archive)
	if err != nil {
		t.Fatal(err)
	}
	env, err := importer.ReadEnvelope(text)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := env.ToConfigSpec()
	if err != nil {
		t.Fatalf("the descriptor does not convert to a VM config: %v", err)
	}
	if cs.Firmware != "efi" || cs.NumCPUs != 2 || cs.MemoryMB != 512 || cs.GuestId != "otherLinux64Guest" {
		t.Errorf("descriptor's VM config: firmware %q, cpus %d, memory %d, guest %q", cs.Firmware, cs.NumCPUs, cs.MemoryMB, cs.GuestId)
	}
	disks := object.VirtualDeviceList(hw.Device).SelectByType((*types.VirtualDisk)(nil))
	if len(disks) != 1 {
		t.Errorf("%d disks, want 1", len(disks))
	}
}

// memberSum is the hex SHA-256 of the archive member name.
func memberSum(t *testing.T, a importer.Archive, name string) string {
	t.Helper()
	rc, _, err := a.Open(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// govc runs one govc command in process (govmomi's cli package, the code the
// govc binary runs) against sim, as GOVC_URL users do, and fails the test
// unless it exits 0.
func govc(t *testing.T, sim *testrig.VCSim, args ...string) {
	t.Helper()
	t.Setenv("GOVC_URL", sim.URL.String())
	t.Setenv("GOVC_INSECURE", "1")
	if rc := cli.Run(args); rc != 0 {
		t.Fatalf("govc %s: exit %d", strings.Join(args, " "), rc)
	}
}
