package linuxkit_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

const attestTemplate = `
variable "out"      { type = string }
variable "cache"    { type = string }
variable "insecure" { type = string }
variable "pull"     { type = string }

source "linuxkit" "attested" {
  spec_files          = ["${path.root}/attested.yml"]
  output_name         = "lk"
  formats             = ["tar"]
  output_directory    = var.out
  cache_dir           = var.cache
  insecure_registries = [var.insecure]
  pull                = var.pull
}

build {
  sources = ["source.linuxkit.attested"]
}
`

// TestPackerBuildSBOMAttestations runs the real packer on a spec with a service image that
// carries a buildkit SBOM attestation: the attested package is in lk.spdx.json, and a
// pull = "never" rebuild from the same cache writes the same bytes.
func TestPackerBuildSBOMAttestations(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real packer binary")
	}
	p := testrig.NewPackerRig(t)
	ref := p.Registry.Ref("linuxkit/attested:test")
	p.Registry.Push(t, ref, testrig.AttestedIndex(t, "amd64", testrig.ServiceImage(t, "attested"), testrig.AttestedMusl))
	p.WriteFile(t, "attested.yml", testrig.FixtureSpec(p.Fixtures, "console=ttyS0", "services:\n  - name: attested\n    image: "+ref+"\n"))
	p.WriteFile(t, "attested.pkr.hcl", attestTemplate)
	build := func(out, pull string) []byte {
		t.Helper()
		p.Build(t, nil, testrig.BuildArgs("attested.pkr.hcl", "out="+out, "cache="+filepath.Join(p.Dir, "cache"),
			"insecure="+p.Registry.Host, "pull="+pull)...)
		raw, err := os.ReadFile(filepath.Join(p.Dir, out, "lk.spdx.json"))
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	first := build("first", "missing")
	doc, err := spdxjson.Read(bytes.NewReader(first))
	if err != nil {
		t.Fatalf("lk.spdx.json does not parse: %v", err)
	}
	found := false
	for _, pkg := range doc.Packages {
		found = found || (pkg.PackageName == testrig.AttestedMusl.Name && pkg.PackageVersion == testrig.AttestedMusl.Version)
	}
	if !found {
		t.Errorf("lk.spdx.json lacks the attested %s %s", testrig.AttestedMusl.Name, testrig.AttestedMusl.Version)
	}
	if never := build("never", "never"); !bytes.Equal(first, never) {
		t.Error("the pull = never rebuild wrote a different SBOM")
	}
}
