package linuxkit_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

const gateTemplate = `
variable "out"      { type = string }
variable "dump"     { type = string }
variable "cache"    { type = string }
variable "insecure" { type = string }
variable "expect"   { type = string }

source "linuxkit" "gate" {
  spec_files          = ["${path.root}/gate.yml"]
  output_name         = "lk"
  formats             = ["iso-bios"]
  output_directory    = var.out
  cache_dir           = var.cache
  insecure_registries = [var.insecure]
  verify {
    public_keys = ["${path.root}/cosign.pub"]
    images      = ["${var.insecure}/linuxkit/*"]
  }
  boot_test {
    expect  = var.expect
    timeout = "3m"
  }
}

build {
  sources = ["source.linuxkit.gate"]
  post-processor "linuxkit-dump" {
    path = var.dump
  }
}
`

// TestPackerBuildGate runs the real packer on a template with verify, boot_test and the
// default SBOM against signed fixture images: the signatures are checked, the ISO boots to the
// onboot container's nonce, and the boot time, the SBOM digest and the verified components
// cross Packer's RPC into the post-processor. With an expect the image never prints, packer
// fails with the console's tail and leaves no output directory.
func TestPackerBuildGate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real packer binary and QEMU")
	}
	testrig.Require(t, testrig.QEMUBinary)
	p := testrig.NewPackerRig(t)
	signer := testrig.NewSigner(t)
	for ref, digest := range p.Fixtures.Digests {
		_, path, _ := strings.Cut(ref, "/")
		repo, _, _ := strings.Cut(path, ":")
		p.Registry.SignImage(t, signer, repo, digest)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	nonce := hex.EncodeToString(b)
	p.WriteFile(t, "cosign.pub", string(signer.PublicKeyPEM(t)))
	p.WriteFile(t, "gate.yml", testrig.FixtureSpec(p.Fixtures, "console=ttyS0 panic=-1", fmt.Sprintf(
		"onboot:\n  - name: nonce\n    image: %s\n    command: [\"/bin/sh\", \"-c\", \"echo GATE-%s\"]\n", p.Fixtures.Service, nonce)))
	p.WriteFile(t, "gate.pkr.hcl", gateTemplate)
	vars := func(out, expect string) []string {
		return testrig.BuildArgs("gate.pkr.hcl", "out="+out, "dump="+filepath.Join(p.Dir, out+".json"),
			"cache="+filepath.Join(p.Dir, "cache"), "insecure="+p.Registry.Host, "expect="+expect)
	}

	r := p.Build(t, nil, vars("ok", "GATE-"+nonce)...)
	var s struct {
		Files      []string          `json:"files"`
		SBOM       string            `json:"sbom"`
		SBOMDigest string            `json:"sbom_digest"`
		Verified   string            `json:"verified"`
		BootTests  map[string]string `json:"boot_tests"`
		HCP        struct {
			Labels map[string]string `json:"Labels"`
		} `json:"hcp"`
	}
	testrig.ReadDump(t, filepath.Join(p.Dir, "ok.json"), r.Output, &s)
	sbom, err := os.ReadFile(filepath.Join(p.Dir, s.SBOM)) // output_directory is relative
	if err != nil {
		t.Fatalf("sbom state %q: %v", s.SBOM, err)
	}
	sum := sha256.Sum256(sbom)
	if digest := "sha256:" + hex.EncodeToString(sum[:]); s.SBOMDigest != digest || s.HCP.Labels["sbom_digest"] != digest {
		t.Errorf("sbom_digest %q, label %q; the file's is %s", s.SBOMDigest, s.HCP.Labels["sbom_digest"], digest)
	}
	if s.Verified != "init/0,kernel,onboot/000-nonce" || s.HCP.Labels["verified"] != s.Verified {
		t.Errorf("verified %q, label %q", s.Verified, s.HCP.Labels["verified"])
	}
	if s.BootTests["iso-bios"] == "" || s.HCP.Labels["boot_test"] != "passed: iso-bios" {
		t.Errorf("boot_tests %v, labels %v", s.BootTests, s.HCP.Labels)
	}
	logPath := filepath.Join("ok", "lk-boot-iso-bios.log")
	if log, err := os.ReadFile(filepath.Join(p.Dir, logPath)); err != nil || !strings.Contains(string(log), "GATE-"+nonce) || !slices.Contains(s.Files, logPath) {
		t.Errorf("console log %s (%v) must hold the nonce and be among the files %v", logPath, err, s.Files)
	}
	for _, want := range []string{"verify: cosign signatures of 3 images checked", "boot_test: iso-bios matched"} {
		if !strings.Contains(r.Output, want) {
			t.Errorf("packer's output lacks %q", want)
		}
	}

	fail := p.Run(t, vars("never", "NEVER-"+nonce)...)
	if fail.ExitCode == 0 {
		t.Fatalf("a boot_test whose expect never appears passed:\n%s", fail.Output)
	}
	for _, want := range []string{"boot_test iso-bios failed", "last console lines:", "FIXTURE-INIT poweroff"} {
		if !strings.Contains(fail.Output, want) {
			t.Errorf("packer's output lacks %q:\n%s", want, fail.Output)
		}
	}
	if _, err := os.Stat(filepath.Join(p.Dir, "never")); !os.IsNotExist(err) {
		t.Errorf("the failed build left its output directory: %v", err)
	}
}
