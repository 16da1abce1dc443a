package vmware

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// vsE2EPassword is the password the end-to-end template gives vcsim (which
// accepts any); it must appear nowhere in Packer's output or log.
const vsE2EPassword = "E2e-Vc-Secr3t-9a41"

const vsE2ESpec = `kernel:
  image: %[1]s
  cmdline: "console=ttyS0 panic=-1"
init:
  - %[2]s
`

const vsE2ETemplate = `
variable "cache"    { type = string }
variable "insecure" { type = string }
variable "server"   { type = string }
variable "dump"     { type = string }

source "linuxkit" "e2e" {
  spec_files          = ["${path.root}/spec.yml"]
  output_name         = "lkv"
  formats             = ["iso-bios"]
  output_directory    = "${path.root}/out"
  cache_dir           = var.cache
  insecure_registries = [var.insecure]
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
      disks               = ["10G"]
      convert_to_template = true
    }
    post-processor "linuxkit-dump" {
      path = var.dump
    }
  }
}
`

// startVCSim builds and starts internal/testrig/cmd/vcsim on loopback and
// returns its host:port. Its standard input stays open until the test's
// cleanup, which closes it and so ends the simulator.
func startVCSim(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "vcsim")
	build := exec.Command("go", "build", "-o", bin, "./internal/testrig/cmd/vcsim")
	build.Dir = testrig.RepoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building vcsim: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-l", "127.0.0.1:0", "-stdin")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading vcsim's address: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	u, err := url.Parse(strings.TrimPrefix(strings.TrimSpace(line), "GOVC_URL="))
	if err != nil || u.Host == "" {
		t.Fatalf("vcsim printed %q: %v", line, err)
	}
	return u.Host
}

// TestVSpherePackerBuild is the vsphere target's acceptance test: the real
// packer binary builds an ISO with the linuxkit builder and hands it, across
// Packer's RPC, to linuxkit-vmware with target "vsphere" against vcsim, then
// to the dump post-processor. One template results, the ISO is on the
// datastore, the HCP metadata names vsphere, and PACKER_LOG=1 output never
// shows the password.
func TestVSpherePackerBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real packer binary")
	}
	cleanEnv(t)
	server := startVCSim(t)
	reg := testrig.StartRegistry(t)
	fx := testrig.PushFixtures(t, reg)
	p := testrig.NewPacker(t)
	p.WriteFile(t, "spec.yml", fmt.Sprintf(vsE2ESpec, fx.Kernel, fx.Init))
	p.WriteFile(t, "vsphere.pkr.hcl", vsE2ETemplate)
	dump := filepath.Join(p.Dir, "dump.json")

	start := time.Now()
	r := p.RunEnv(t, []string{"PACKER_LOG=1"}, "build", "-color=false",
		"-var", "cache="+filepath.Join(p.Dir, "cache"), "-var", "insecure="+reg.Host,
		"-var", "server="+server, "-var", "dump="+dump,
		"vsphere.pkr.hcl")
	if r.ExitCode != 0 {
		t.Fatalf("packer build: exit %d\n%s", r.ExitCode, r.Output)
	}
	t.Logf("packer build: %s", time.Since(start).Round(time.Millisecond))
	if strings.Contains(r.Output, vsE2EPassword) {
		t.Errorf("PACKER_LOG=1 output shows the password")
	}
	if !strings.Contains(r.Output, "[INFO] linuxkit-vmware: vSphere: logged in") {
		t.Errorf("the output has no log line of the post-processor; is PACKER_LOG on?\n%s", r.Output)
	}

	// What vcsim holds now.
	s := &vsSim{host: server, user: "user", pass: vsE2EPassword}
	var templates []vsVM
	for _, v := range s.vms(t) {
		if v.BuildID != "" {
			templates = append(templates, v)
		}
	}
	if len(templates) != 1 || templates[0].Name != "lkv" || !templates[0].Template {
		t.Fatalf("VMs made by the build: %v", templates)
	}

	var state struct {
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
	data, err := os.ReadFile(dump)
	if err != nil {
		t.Fatalf("the dump post-processor wrote nothing: %v\n%s", err, r.Output)
	}
	if err := json.Unmarshal(data, &state); err != nil {
		t.Fatal(err)
	}
	if state.BuilderID != BuilderID || state.ID != "/DC0/vm/lkv" || state.VMName != "lkv" || state.Datacenter != "DC0" ||
		!strings.HasPrefix(state.SpecDigest, "sha256:") {
		t.Errorf("artifact after RPC: %s", data)
	}
	if state.HCP.ProviderName != "vsphere" || state.HCP.ImageID != "/DC0/vm/lkv" || state.HCP.ProviderRegion != "DC0" ||
		state.HCP.SourceImageID != state.SpecDigest || state.HCP.Labels["datastore"] != "LocalDS_0" {
		t.Errorf("HCP metadata after RPC: %+v", state.HCP)
	}
	iso := "linuxkit/lkv-" + digest12(state.SpecDigest) + ".iso"
	if got := strings.Join(s.dsFiles(t, "linuxkit"), ","); got != iso+","+iso+".sha256" {
		t.Errorf("datastore files: %s, want %s and its sidecar", got, iso)
	}
}
