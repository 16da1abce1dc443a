package linuxkit_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// e2eCmdline is the kernel command line of the end-to-end spec; the artifact
// must carry it as its cmdline state.
const e2eCmdline = "console=ttyS0 panic=-1 quiet"

// e2eSpec is what the end-to-end builds' spec has after the fixture kernel and
// init (testrig.FixtureSpec): one onboot container whose own command prints
// the nonce, its capabilities, uid and hostname exactly as config.json asked,
// plus the modes of files from the spec's files section.
const e2eSpec = `onboot:
  - name: probe
    image: %[1]s
    capabilities:
      - CAP_NET_BIND_SERVICE
      - CAP_SYS_TIME
    hostname: probe-%[2]s
    uts: new
    uid: 0
    binds:
      - /etc/lk-e2e:/lk-e2e
    readonly: true
    command: ["/bin/sh", "-c", "echo NONCE-%[2]s; grep CapEff /proc/self/status; echo UID=$(id -u); echo HOST=$(hostname); stat -c 'FILE %%a %%u:%%g %%n' /lk-e2e/secret /lk-e2e/script; cat /lk-e2e/secret; echo; echo PROBE-END"]
files:
  - path: etc/lk-e2e/secret
    contents: "payload-%[2]s"
    mode: "0640"
    uid: 0
    gid: 42
  - path: etc/lk-e2e/script
    source: script.sh
    mode: "0755"
`

const e2eTemplate = `
variable "out"       { type = string }
variable "pull"      { type = string }
variable "subformat" { type = string }
variable "dump"      { type = string }
variable "cache"     { type = string }
variable "insecure"  { type = string }
variable "use_data"  { type = bool }

data "linuxkit" "e2e" {
  spec_files          = ["${path.root}/specs/e2e.yml"]
  cache_dir           = var.cache
  pull                = var.pull
  insecure_registries = [var.insecure]
}

source "linuxkit" "e2e" {
  spec_files          = var.use_data ? [] : ["${path.root}/specs/e2e.yml"]
  spec                = var.use_data ? data.linuxkit.e2e.yaml : ""
  output_name         = "lk"
  formats             = ["kernel+initrd", "tar", "iso-bios", "raw-bios", "vmdk"]
  vmdk_subformat      = var.subformat
  disk_size           = "64M"
  output_directory    = var.out
  cache_dir           = var.cache
  pull                = var.pull
  insecure_registries = [var.insecure]
}

build {
  sources = ["source.linuxkit.e2e"]
  post-processor "linuxkit-dump" {
    path = var.dump
    note = data.linuxkit.e2e.digest
  }
}
`

// TestPackerBuildBoots is the builder's acceptance test: real packer, images
// pulled over plain HTTP from a registry on 127.0.0.2, every format booted in
// QEMU, byte-identical rebuilds, and an offline rebuild from the cache.
func TestPackerBuildBoots(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real packer binary and QEMU")
	}
	testrig.Require(t, testrig.QEMUBinary, "qemu-img")
	testrig.Kernel(t)
	p := testrig.NewPackerRig(t)
	reg := p.Registry

	nonceBytes := make([]byte, 6)
	_, _ = rand.Read(nonceBytes)
	nonce := hex.EncodeToString(nonceBytes)
	p.WriteFile(t, "specs/e2e.yml", testrig.FixtureSpec(p.Fixtures, e2eCmdline, fmt.Sprintf(e2eSpec, p.Fixtures.Service, nonce)))
	p.WriteFile(t, "specs/script.sh", "#!/bin/sh\necho hi\n")
	p.WriteFile(t, "e2e.pkr.hcl", e2eTemplate)
	cache := filepath.Join(p.Dir, "cache")

	build := func(out, pull, subformat string, useData bool) map[string]interface{} {
		t.Helper()
		dump := filepath.Join(p.Dir, out+".json")
		t.Logf("packer build %s (pull=%s, %s)", out, pull, subformat)
		r := p.Build(t, nil, testrig.BuildArgs("e2e.pkr.hcl",
			"out="+out, "pull="+pull, "subformat="+subformat,
			"dump="+dump, "cache="+cache, "insecure="+reg.Host,
			fmt.Sprintf("use_data=%t", useData))...)
		var state map[string]interface{}
		testrig.ReadDump(t, dump, r.Output, &state)
		return state
	}

	a := build("out-a", "missing", "streamOptimized", false)
	dirA := filepath.Join(p.Dir, "out-a")
	checkArtifactState(t, a, dirA)

	// Every format boots and the onboot container ran under the real runc.
	boots := []struct {
		name string
		opts testrig.BootOptions
	}{
		{"kernel+initrd", testrig.BootOptions{Kernel: filepath.Join(dirA, "lk-kernel"), Initrd: filepath.Join(dirA, "lk-initrd.img"), Append: readFile(t, filepath.Join(dirA, "lk-cmdline"))}},
		{"iso-bios cdrom", testrig.BootOptions{ISO: filepath.Join(dirA, "lk.iso")}},
		{"iso-bios as disk", testrig.BootOptions{Disk: filepath.Join(dirA, "lk.iso"), DiskFormat: "raw"}},
		{"raw-bios", testrig.BootOptions{Disk: filepath.Join(dirA, "lk-bios.img"), DiskFormat: "raw"}},
		{"vmdk streamOptimized", testrig.BootOptions{Disk: filepath.Join(dirA, "lk.vmdk"), DiskFormat: "vmdk"}},
	}
	for _, b := range boots {
		out := bootProbe(t, b.name, b.opts, nonce)
		checkProbe(t, b.name, out, nonce)
	}

	// The same spec pinned by the datasource, fed back as `spec`, another
	// directory and time: the same id and byte-identical outputs.
	b := build("out-b", "missing", "streamOptimized", true)
	if b["id"] != a["id"] || b["note"] != a["id"] || a["note"] != a["id"] {
		t.Errorf("ids: spec_files build %v, datasource-fed build %v, datasource digest %v", a["id"], b["id"], b["note"])
	}
	for _, name := range []string{"lk-kernel", "lk-initrd.img", "lk-cmdline", "lk.tar", "lk.iso", "lk-bios.img", "lk.vmdk", "lk.spdx.json", "lk.sha256"} {
		x, y := readFile(t, filepath.Join(dirA, name)), readFile(t, filepath.Join(p.Dir, "out-b", name))
		if x != y {
			t.Errorf("%s differs between two builds of the same spec", name)
		}
	}

	// Offline: registry stopped, pull = "never", served from the warm cache.
	reg.Close()
	c := build("out-c", "never", "monolithicSparse", false)
	if c["id"] != a["id"] {
		t.Errorf("offline build id %v, want %v", c["id"], a["id"])
	}
	out := bootProbe(t, "vmdk monolithicSparse (offline build)", testrig.BootOptions{Disk: filepath.Join(p.Dir, "out-c", "lk.vmdk"), DiskFormat: "vmdk"}, nonce)
	checkProbe(t, "vmdk monolithicSparse", out, nonce)
}

func bootProbe(t *testing.T, name string, opts testrig.BootOptions, nonce string) string {
	t.Helper()
	start := time.Now()
	out, err := testrig.BootAndWait(context.Background(), t, opts, testrig.Marker("PROBE-END"), testrig.BootTimeout)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Logf("%s booted, probe done in %s", name, time.Since(start).Round(time.Millisecond))
	return out
}

// checkProbe checks what the container printed: values config.json set, so
// the fixture init cannot fake them.
func checkProbe(t *testing.T, name, out, nonce string) {
	t.Helper()
	// CAP_NET_BIND_SERVICE (10) + CAP_SYS_TIME (25) = 0x2000400.
	for _, want := range []string{
		"NONCE-" + nonce,
		`CapEff:\s+0000000002000400`,
		"UID=0",
		"HOST=probe-" + nonce,
		`FILE 640 0:42 /lk-e2e/secret`,
		`FILE 755 0:0 /lk-e2e/script`,
		"payload-" + nonce,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("%s: console lacks %q:\n%s", name, want, tail(out, 60))
		}
	}
}

func checkArtifactState(t *testing.T, s map[string]interface{}, dir string) {
	t.Helper()
	if s["cmdline"] != e2eCmdline {
		t.Errorf("cmdline state = %v", s["cmdline"])
	}
	if s["builder_id"] != "seed844b7c54.linuxkit" {
		t.Errorf("builder_id = %v", s["builder_id"])
	}
	id, _ := s["id"].(string)
	if !strings.HasPrefix(id, "sha256:") || s["spec_digest"] != id {
		t.Errorf("id %q and spec_digest %v", id, s["spec_digest"])
	}
	formats, _ := s["formats"].(map[string]interface{})
	want := map[string]string{"kernel+initrd": "lk-kernel", "tar": "lk.tar", "iso-bios": "lk.iso", "raw-bios": "lk-bios.img", "vmdk": "lk.vmdk"}
	for f, file := range want {
		if got, _ := formats[f].(string); filepath.Base(got) != file {
			t.Errorf("formats[%s] = %v, want …/%s", f, formats[f], file)
		}
	}
	images, _ := s["images"].(map[string]interface{})
	for _, k := range []string{"kernel", "init/0", "onboot/000-probe"} {
		if v, _ := images[k].(string); !strings.Contains(v, "@sha256:") {
			t.Errorf("images[%s] = %v, want a pinned reference", k, images[k])
		}
	}
	boot, _ := s["boot_files"].(map[string]interface{})
	if len(boot) != 3 {
		t.Errorf("boot_files = %v, want 3 sums", boot)
	}
	hcp, _ := s["hcp"].(map[string]interface{})
	if hcp["ProviderName"] != "linuxkit" || hcp["ImageID"] != id {
		t.Errorf("HCP metadata = %v", hcp)
	}
	files, _ := s["files"].([]interface{})
	if len(files) != 9 { // the formats' 7 files, the SBOM and the sums
		t.Errorf("artifact lists %d files, want 9: %v", len(files), files)
	}
	sums := readFile(t, filepath.Join(dir, "lk.sha256"))
	if strings.Count(sums, "\n") != 8 || strings.Contains(sums, ".boot") {
		t.Errorf("lk.sha256:\n%s", sums)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") && e.Name() != safeio.OwnedMarker && e.Name() != ".packer-linuxkit-build.json" {
			t.Errorf("temporary file left in the output directory: %s", e.Name())
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimRight(b, "")) // keep as-is
}

func tail(s string, lines int) string {
	l := strings.Split(s, "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}
