// Package example holds the templates users start from; its tests run each one through the
// real packer, exactly as written, against the loopback registry (as a Docker Hub mirror),
// vcsim and the recording vmrun, with only the variables a user would set.
package example

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// The line example/spec/hello.yml's onboot container prints.
const helloLine = "hello from a LinuxKit golden image"

// exampleRun is one example copied into a packer working directory, with the registry that
// serves the images its specs name.
type exampleRun struct {
	p   *testrig.Packer
	reg *testrig.Registry
	dir string // the copy of the example's directory
	env []string
}

// newExampleRun copies example/ into a fresh packer working directory (so a run writes
// nothing into the checkout) and serves the images of every spec in it.
func newExampleRun(t *testing.T, name string) *exampleRun {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the real packer binary")
	}
	p := testrig.NewPacker(t)
	src := filepath.Join(testrig.RepoRoot(t), "example")
	if err := os.CopyFS(filepath.Join(p.Dir, "example"), os.DirFS(src)); err != nil {
		t.Fatalf("copying example/: %v", err)
	}
	reg := testrig.StartRegistry(t)
	specs, err := filepath.Glob(filepath.Join(p.Dir, "example", "*", "*.yml"))
	if err != nil || len(specs) == 0 {
		t.Fatalf("no specs under example/: %v", err)
	}
	testrig.PushSpecImages(t, reg, specs...)
	return &exampleRun{p: p, reg: reg, dir: filepath.Join(p.Dir, "example", name),
		env: []string{"LINUXKIT_CACHE=" + filepath.Join(p.Dir, "cache"), "HCP_PACKER_REGISTRY=off"}}
}

// build runs `packer build` on the example with the mirror variables and vars.
func (r *exampleRun) build(t *testing.T, vars ...string) testrig.Result {
	t.Helper()
	vars = append([]string{"registry_mirror=" + r.reg.Host, fmt.Sprintf(`insecure_registries=["%s"]`, r.reg.Host)}, vars...)
	return r.p.Build(t, r.env, testrig.BuildArgs(r.dir, vars...)...)
}

// vcenter starts vcsim for the vSphere examples, passes its login the way users do
// (GOVC_URL), and returns a client to check the result with.
func (r *exampleRun) vcenter(t *testing.T) *testrig.VCenter {
	t.Helper()
	sim := testrig.StartVCSim(t, testrig.WithAnyLogin())
	r.env = append(r.env, "GOVC_URL="+sim.URL.String(), "GOVC_INSECURE=1")
	return testrig.DialVCenter(context.Background(), t, sim.URL)
}

var vcsimPlacement = []string{"datacenter=DC0", "cluster=DC0_C0", "datastore=LocalDS_0"}

// bootISO boots an ISO the example wrote and waits for the hello line.
func bootISO(t *testing.T, iso string, marker string) {
	t.Helper()
	testrig.Require(t, testrig.QEMUBinary)
	if _, err := testrig.BootAndWait(context.Background(), t, testrig.BootOptions{ISO: iso, MemoryMB: 512},
		testrig.Marker(marker), testrig.BootTimeout); err != nil {
		t.Fatalf("%s: %v", filepath.Base(iso), err)
	}
}

func TestE2EExampleVSphereGoldenImage(t *testing.T) {
	r := newExampleRun(t, "vsphere-golden-image")
	vc := r.vcenter(t)
	ctx := context.Background()
	vc.CreateLibrary(ctx, t, "DC0", "LocalDS_0", "golden-images")
	out := filepath.Join(r.p.Dir, "golden")
	r.build(t, append(vcsimPlacement, "library=golden-images", "output_directory="+out,
		"cache_dir="+filepath.Join(r.p.Dir, "cache"))...)

	if !hasVM(vc.VMs(ctx, t), "/DC0/vm/golden-template", true) {
		t.Errorf("no template /DC0/vm/golden-template: %v", vc.VMs(ctx, t))
	}
	if hasVM(vc.VMs(ctx, t), "/DC0/vm/golden", false) {
		t.Errorf("content_library.destroy left the VM /DC0/vm/golden")
	}
	if items := vc.LibraryItems(ctx, t, "golden-images"); !slices.Equal(items, []string{"golden (ovf)"}) {
		t.Errorf("library items %v, want the OVF item golden", items)
	}
	// The build's boot_test booted the ISO before anything reached vSphere; its console and
	// the SBOM are among the outputs.
	if log, err := os.ReadFile(filepath.Join(out, "golden-boot-iso-bios.log")); err != nil || !strings.Contains(string(log), helloLine) {
		t.Errorf("boot_test's console log lacks %q: %v", helloLine, err)
	}
	if sbom, err := os.ReadFile(filepath.Join(out, "golden.spdx.json")); err != nil || !strings.Contains(string(sbom), `"spdxVersion": "SPDX-2.3"`) {
		t.Errorf("no SPDX 2.3 golden.spdx.json: %v", err)
	}
}

func TestE2EExampleVSphereISOTemplate(t *testing.T) {
	r := newExampleRun(t, "vsphere-iso-template")
	vc := r.vcenter(t)
	r.build(t, vcsimPlacement...)
	if vms := vc.VMs(context.Background(), t); !hasVM(vms, "/DC0/vm/hello-template", true) {
		t.Errorf("no template /DC0/vm/hello-template: %v", vms)
	}
}

func TestE2EExampleVSphereDiskLibrary(t *testing.T) {
	r := newExampleRun(t, "vsphere-disk-library")
	vc := r.vcenter(t)
	ctx := context.Background()
	vc.CreateLibrary(ctx, t, "DC0", "LocalDS_0", "golden")
	r.build(t, append(vcsimPlacement, "library=golden")...)
	if items := vc.LibraryItems(ctx, t, "golden"); !slices.Equal(items, []string{"hello-disk (ovf)"}) {
		t.Errorf("library items %v, want the OVF item hello-disk", items)
	}
	if vms := vc.VMs(ctx, t); hasVM(vms, "/DC0/vm/hello-disk", false) {
		t.Errorf("content_library.destroy left the VM: %v", vms)
	}
}

// TestE2EExampleDesktop runs the desktop example for both targets with the recording vmrun,
// whose start boots the VM's disk in QEMU until the hello line, as the real product would
// boot it in Workstation or Fusion.
func TestE2EExampleDesktop(t *testing.T) {
	r := newExampleRun(t, "desktop")
	testrig.Require(t, testrig.QEMUBinary)
	vmrun, record := testrig.RecordingVMRun(t)
	boot := fmt.Sprintf(`disk=$(sed -n 's/^scsi0:0.fileName = "\(.*\)"$/\1/p' "$VMRUN_VMX")
timeout 120 %s -nodefaults -nographic -no-reboot -machine pc,accel=tcg -m 512 -serial stdio \
  -drive file="$(dirname "$VMRUN_VMX")/$disk",format=vmdk,snapshot=on 2>&1 | grep -m1 -q %q`,
		testrig.QEMUBinary, helloLine)
	for _, target := range []string{"workstation", "fusion"} {
		t.Run(target, func(t *testing.T) {
			r.env = append(r.env, "VMRUN_RECORD="+record, "VMRUN_GUEST_IP=172.16.5.4", "VMRUN_BOOT_CMD="+boot)
			r.build(t, "target="+target, "vmrun_path="+vmrun)
			vmx := filepath.Join(r.p.Dir, "output-vm-"+target, "hello-"+target+".vmx")
			if _, err := os.Stat(vmx); err != nil {
				t.Fatalf("no VM: %v", err)
			}
			calls := testrig.ReadVMRunCalls(t, record)
			want := [][]string{{"-T", vmrunType(target), "start", vmx, "nogui"}}
			if len(calls) < 2 || !slices.Equal(calls[0], want[0]) || calls[1][2] != "getGuestIPAddress" {
				t.Errorf("vmrun calls %v, want start, getGuestIPAddress…", calls)
			}
		})
	}
}

// vmrunType is vmrun's -T for a target.
func vmrunType(target string) string {
	if target == "workstation" {
		return "ws"
	}
	return target
}

func TestE2EExampleMultiFile(t *testing.T) {
	r := newExampleRun(t, "multi-file")
	r.build(t)
	out := filepath.Join(r.p.Dir, "output-merged")
	for _, f := range []string{"merged-kernel", "merged-initrd.img", "merged-cmdline", "merged.iso"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("multi-file: %v", err)
		}
	}
	bootISO(t, filepath.Join(out, "merged.iso"), "overlay says: merged from overlay.yml")
}

// TestE2EExamplePinnedHCP builds the pinned example with the test-only dump post-processor
// added to its build block, and checks the HCP metadata that crossed Packer's RPC against
// the data source's digest.
func TestE2EExamplePinnedHCP(t *testing.T) {
	r := newExampleRun(t, "pinned-hcp")
	tmpl := filepath.Join(r.dir, "build.pkr.hcl")
	data, err := os.ReadFile(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.TrimRight(string(data), "\n")
	if !strings.HasSuffix(text, "}") {
		t.Fatalf("%s does not end with its build block", tmpl)
	}
	dump := filepath.Join(r.p.Dir, "dump.json")
	text = strings.TrimSuffix(text, "}") + fmt.Sprintf("  post-processor \"linuxkit-dump\" {\n    path = %q\n  }\n}\n", dump)
	if err := os.WriteFile(tmpl, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	res := r.build(t)
	var state struct {
		SpecDigest string            `json:"spec_digest"`
		Images     map[string]string `json:"images"`
		HCP        struct {
			ImageID      string
			ProviderName string
		} `json:"hcp"`
	}
	testrig.ReadDump(t, dump, res.Output, &state)
	if !strings.HasPrefix(state.SpecDigest, "sha256:") || state.HCP.ProviderName != "linuxkit" || state.HCP.ImageID != state.SpecDigest {
		t.Errorf("HCP metadata after RPC: %+v (spec digest %s)", state.HCP, state.SpecDigest)
	}
	for key, ref := range state.Images {
		if !strings.Contains(ref, "@sha256:") {
			t.Errorf("image %s = %s is not pinned by the data source", key, ref)
		}
	}
	bootISO(t, filepath.Join(r.p.Dir, "output-hello", "hello.iso"), helloLine)
}

// TestE2EExampleEFI builds the efi example (the host's systemd stub), whose boot_test boots
// every EFI medium under OVMF until the hello line.
func TestE2EExampleEFI(t *testing.T) {
	r := newExampleRun(t, "efi")
	testrig.Require(t, testrig.QEMUBinary)
	r.build(t)
	out := filepath.Join(r.p.Dir, "output-hello-efi")
	for _, f := range []string{"hello-efi.iso", "hello-efi.img", "hello-efi.vmdk", "hello.sha256"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("efi: %v", err)
		}
	}
	// The build's boot_test booted every medium under OVMF before the artifact existed.
	checkBootLogs(t, out, "hello", "iso-efi", "raw-efi", "vmdk-efi")
}

// TestE2EExampleOVA builds the ova example: boot_test boots the raw-bios disk, the OVA holds
// the descriptor first, then the manifest and the disk, and the manifest verifies with
// sha256sum -c once unpacked.
func TestE2EExampleOVA(t *testing.T) {
	r := newExampleRun(t, "ova")
	testrig.Require(t, testrig.QEMUBinary, "tar", "sha256sum")
	r.build(t)
	out := filepath.Join(r.p.Dir, "output-hello-ova")
	checkBootLogs(t, out, "hello", "raw-bios")
	unpacked := t.TempDir()
	list, err := exec.Command("tar", "-tf", filepath.Join(out, "hello.ova")).Output()
	if err != nil {
		t.Fatalf("tar -t: %v", err)
	}
	if got := strings.Fields(string(list)); !slices.Equal(got, []string{"hello.ovf", "hello.mf", "hello-disk1.vmdk"}) {
		t.Errorf("OVA members %q", got)
	}
	if b, err := exec.Command("tar", "-xf", filepath.Join(out, "hello.ova"), "-C", unpacked).CombinedOutput(); err != nil {
		t.Fatalf("tar -x: %v\n%s", err, b)
	}
	sum := exec.Command("sha256sum", "-c", "--strict", "hello.mf")
	sum.Dir = unpacked
	if b, err := sum.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c hello.mf: %v\n%s", err, b)
	}
}

// TestE2EExampleARM64 builds the arm64 example from arm64 fixture images (the spec's images
// served as amd64+arm64 indexes) with the arm64 stub from a bootloader_dir, as on an amd64
// host; its boot_test boots both media under AAVMF until the hello line.
func TestE2EExampleARM64(t *testing.T) {
	r := newExampleRun(t, "arm64")
	testrig.Require(t, testrig.QEMUBinaryARM64)
	parts := testrig.ARM64Parts(t)
	testrig.PushSpecImagesARM64(t, r.reg, filepath.Join(r.p.Dir, "example", "spec", "hello.yml"))
	r.build(t, "bootloader_dir="+parts.StubDir)
	out := filepath.Join(r.p.Dir, "output-hello-arm64")
	if _, err := os.Stat(filepath.Join(out, "hello-efi.iso")); err != nil {
		t.Errorf("arm64: %v", err)
	}
	checkBootLogs(t, out, "hello", "iso-efi", "raw-efi")
}

// checkBootLogs checks that the build's boot_test left a console log for each format in out,
// each holding the line the onboot container prints.
func checkBootLogs(t *testing.T, out, name string, formats ...string) {
	t.Helper()
	for _, f := range formats {
		p := filepath.Join(out, name+"-boot-"+f+".log")
		if log, err := os.ReadFile(p); err != nil || !strings.Contains(string(log), helloLine) {
			t.Errorf("boot_test's console log %s lacks %q: %v", p, helloLine, err)
		}
	}
}

// hasVM reports whether vms holds path with the given template flag.
func hasVM(vms []testrig.InventoryVM, path string, template bool) bool {
	return slices.Contains(vms, testrig.InventoryVM{Path: path, Template: template})
}
