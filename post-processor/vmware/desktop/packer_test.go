package desktop_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// dtE2EOnboot is what the end-to-end build's spec has after the fixture
// kernel and init (testrig.FixtureSpec): one onboot container whose own
// command prints the marker (split, so only running it prints it whole).
const dtE2EOnboot = `onboot:
  - name: probe
    image: %[1]s
    command: ["/bin/sh", "-c", "a=DESKTOP-E2E; echo \"$a-%[2]s\""]
`

const dtE2ETemplate = `
variable "cache"    { type = string }
variable "insecure" { type = string }
variable "vmrun"    { type = string }
variable "vmdir"    { type = string }
variable "dump"     { type = string }

source "linuxkit" "e2e" {
  spec_files          = ["${path.root}/spec.yml"]
  output_name         = "lk"
  formats             = ["kernel+initrd", "vmdk"]
  disk_size           = "64M"
  output_directory    = "${path.root}/out"
  cache_dir           = var.cache
  insecure_registries = [var.insecure]
}

build {
  sources = ["source.linuxkit.e2e"]

  post-processors {
    post-processor "linuxkit-vmware" {
      target              = "fusion"
      vmrun_path          = var.vmrun
      vm_name             = "lk-e2e"
      output_directory    = var.vmdir
      cpus                = 2
      memory              = 512
      disks               = ["16M"]
      guestinfo           = { "userdata" = "hello" }
      wait_for_ip         = true
      keep_running        = false
      keep_input_artifact = true
    }
    post-processor "linuxkit-dump" {
      path = var.dump
    }
  }
}
`

// TestDesktopPackerBuild is the desktop target's acceptance test: the real
// packer binary builds an image with the linuxkit builder (images pulled over
// plain HTTP from a registry on 127.0.0.2) and hands it, across Packer's RPC,
// to linuxkit-vmware with target "fusion" and the recording vmrun. The VM
// folder's disk, the one the .vmx names, then boots in QEMU and the onboot
// container prints the marker.
func TestDesktopPackerBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real packer binary and QEMU")
	}
	rig, p, nonce := newDesktopPackerRun(t)
	p.WriteFile(t, "desktop.pkr.hcl", dtE2ETemplate)
	vmDir := filepath.Join(p.Dir, "vm")
	dump := filepath.Join(p.Dir, "dump.json")

	r := p.Build(t, []string{"VMRUN_GUEST_IP=172.16.5.4"}, testrig.BuildArgs("desktop.pkr.hcl",
		"cache="+filepath.Join(p.Dir, "cache"), "insecure="+p.Registry.Host,
		"vmrun="+rig.vmrun, "vmdir="+vmDir, "dump="+dump)...)
	if strings.Contains(r.Output, "no console=ttyS0") {
		t.Errorf("a console warning although the cmdline has console=ttyS0:\n%s", r.Output)
	}

	vmx := filepath.Join(vmDir, "lk-e2e.vmx")
	rig.wantCalls(t,
		[]string{"-T", "fusion", "start", vmx, "nogui"},
		[]string{"-T", "fusion", "getGuestIPAddress", vmx, "-wait"},
		[]string{"-T", "fusion", "stop", vmx, "soft"},
	)
	got := dtReadVMX(t, vmx)
	for k, want := range map[string]string{
		"displayName": "lk-e2e", "numvcpus": "2", "memsize": "512", "firmware": "bios",
		"scsi0:0.fileName": "lk.vmdk", "scsi0:1.fileName": "lk-e2e-disk1.vmdk",
		"serial0.fileName": "console.log", "guestinfo.userdata": "hello",
	} {
		if got[k] != want {
			t.Errorf("vmx: %s = %q, want %q", k, got[k], want)
		}
	}
	builderDisk, err := os.ReadFile(filepath.Join(p.Dir, "out", "lk.vmdk"))
	if err != nil {
		t.Fatalf("keep_input_artifact = true, yet the builder's vmdk is gone: %v", err)
	}
	vmDisk, err := os.ReadFile(filepath.Join(vmDir, "lk.vmdk"))
	if err != nil || !bytes.Equal(vmDisk, builderDisk) {
		t.Errorf("the VM's disk is not a copy of the builder's vmdk (%v)", err)
	}

	// What crossed the RPC boundary to the next post-processor.
	var state struct {
		BuilderID  string   `json:"builder_id"`
		ID         string   `json:"id"`
		Files      []string `json:"files"`
		VMName     string   `json:"vm_name"`
		VMXPath    string   `json:"vmx_path"`
		SpecDigest string   `json:"spec_digest"`
		HCP        struct {
			ImageID       string
			ProviderName  string
			SourceImageID string
			Labels        map[string]string
		} `json:"hcp"`
	}
	data := testrig.ReadDump(t, dump, r.Output, &state)
	if state.BuilderID != "seed844b7c54.linuxkit-vmware" || state.ID != vmx || state.VMName != "lk-e2e" || state.VMXPath != vmx ||
		!strings.HasPrefix(state.SpecDigest, "sha256:") || len(state.Files) != 3 {
		t.Errorf("artifact after RPC: %s", data)
	}
	if state.HCP.ProviderName != "vmware-desktop" || state.HCP.ImageID != vmx || state.HCP.SourceImageID != state.SpecDigest ||
		state.HCP.Labels["target"] != "fusion" || state.HCP.Labels["spec_digest"] != state.SpecDigest {
		t.Errorf("HCP metadata after RPC: %+v", state.HCP)
	}

	// The disk the .vmx names boots, and the onboot container ran.
	opts := testrig.BootOptions{Disk: filepath.Join(vmDir, got["scsi0:0.fileName"]), DiskFormat: "vmdk", MemoryMB: 512}
	bootStart := time.Now()
	if _, err := testrig.BootAndWait(context.Background(), t, opts, testrig.Marker("DESKTOP-E2E-"+nonce), testrig.BootTimeout); err != nil {
		t.Fatal(err)
	}
	t.Logf("the VM's disk booted to the marker in %s", time.Since(bootStart).Round(time.Millisecond))
}

// newDesktopPackerRun is the set-up of a real-packer desktop run that boots its disk: the
// recording vmrun, QEMU and the test kernel required, a packer rig, and spec.yml written in
// its folder with an onboot container printing the returned nonce.
func newDesktopPackerRun(t *testing.T) (*dtRig, *testrig.PackerRig, string) {
	t.Helper()
	rig := newDesktopRig(t)
	testrig.Require(t, testrig.QEMUBinary)
	testrig.Kernel(t)
	p := testrig.NewPackerRig(t)
	nonce := fmt.Sprintf("%016x", rand.Uint64())
	p.WriteFile(t, "spec.yml", testrig.FixtureSpec(p.Fixtures, testrig.DefaultAppend, fmt.Sprintf(dtE2EOnboot, p.Fixtures.Service, nonce)))
	return rig, p, nonce
}
