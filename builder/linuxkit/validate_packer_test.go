package linuxkit_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// TestPackerValidate runs the real packer binary (plugin installed with
// `packer plugins install --path`) on valid and invalid specs: valid ones pass,
// invalid ones fail naming file:line:column and the field, without a panic.
func TestPackerValidate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real packer binary")
	}
	p := testrig.NewPacker(t)

	p.WriteFile(t, "specs/base.yml", `kernel:
  image: linuxkit/kernel:6.12.59
  cmdline: "console=ttyS0"
  ucode: intel-ucode.cpio
init:
  - linuxkit/init:v1.2.0
  - linuxkit/runc:v1.2.0
onboot:
  - name: sysctl
    image: linuxkit/sysctl:v1.2.0
services:
  - name: sshd
    image: linuxkit/sshd:v1.2.0
    binds.add:
      - /root/.ssh:/root/.ssh
files:
  - path: root/.ssh/authorized_keys
    source: ~/.ssh/id_rsa.pub
    mode: "0600"
    optional: true
`)
	p.WriteFile(t, "specs/extra.yml", `volumes:
  - name: data
    image: alpine:3.20
    readonly: true
services:
  - name: wg
    image: linuxkit/ip:v1.2.0
    net: new
    runtime:
      interfaces:
        - name: wg0
          add: wireguard
          createInRoot: true
      bindNS:
        net: /run/netns/wg0
`)
	p.WriteFile(t, "specs/bad.yml", `kernel:
  image: linuxkit/kernel:6.12.59
services:
  - name: getty
    image: linuxkit/getty:v1
    capabilities:
      - CAP_SYS_ADMIN
      - CAP_NOT_A_THING
    frobnicate: true
`)
	p.WriteFile(t, "good.pkr.hcl", `
source "linuxkit" "good" {
  spec_files = ["${path.root}/specs/base.yml", "${path.root}/specs/extra.yml"]
  formats    = ["kernel+initrd", "iso-bios", "vmdk"]
  disk_size  = "1G"
}
build { sources = ["source.linuxkit.good"] }
`)
	r := p.Run(t, "validate", "good.pkr.hcl")
	if r.ExitCode != 0 {
		t.Fatalf("packer validate of a valid spec: exit %d\n%s", r.ExitCode, r.Output)
	}

	bad := []struct {
		name, hcl string
		want      []string // regexps that must all appear in the output
	}{
		{"spec errors", `
source "linuxkit" "bad" { spec_files = ["${path.root}/specs/bad.yml"] }
build { sources = ["source.linuxkit.bad"] }`,
			[]string{`specs/bad\.yml:8:\d+: services\[0\]\.capabilities\[1\]`, `CAP_NOT_A_THING`, `specs/bad\.yml:9:\d+: services\[0\].*frobnicate`}},
		{"bare disk size", `
source "linuxkit" "bad" {
  spec      = "kernel:\n  image: linuxkit/kernel:6.12.59\n"
  formats   = ["raw-bios"]
  disk_size = "1024"
}
build { sources = ["source.linuxkit.bad"] }`,
			[]string{`disk_size: .*"1024"`}},
		{"unknown format", `
source "linuxkit" "bad" {
  spec    = "kernel:\n  image: linuxkit/kernel:6.12.59\n"
  formats = ["qcow2-efi"]
}
build { sources = ["source.linuxkit.bad"] }`,
			[]string{`formats\[0\]: unknown format "qcow2-efi"`}},
		{"arm64 bios format", `
source "linuxkit" "bad" {
  spec    = "kernel:\n  image: linuxkit/kernel:6.12.59\n"
  arch    = "arm64"
  formats = ["iso-efi", "vmdk"]
}
build { sources = ["source.linuxkit.bad"] }`,
			[]string{`formats\[1\]: "vmdk" boots with BIOS, which arm64 machines do not have; use "vmdk-efi" for arch arm64`}},
		{"inline spec error", `
source "linuxkit" "bad" {
  spec = "kernel:\n  image: linuxkit/kernel:6.12.59\nonboot:\n  - name: Bad Name\n    image: alpine\n"
}
build { sources = ["source.linuxkit.bad"] }`,
			[]string{`spec:4:\d+: onboot\[0\]\.name`}},
		{"no spec", `
source "linuxkit" "bad" { formats = ["tar"] }
build { sources = ["source.linuxkit.bad"] }`,
			[]string{`a spec is required`}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			p.WriteFile(t, "bad.pkr.hcl", tc.hcl)
			r := p.Run(t, "validate", "bad.pkr.hcl")
			if r.ExitCode == 0 {
				t.Fatalf("packer validate accepted an invalid template:\n%s", r.Output)
			}
			if strings.Contains(r.Output, "panic") {
				t.Fatalf("plugin panicked:\n%s", r.Output)
			}
			for _, w := range tc.want {
				if !regexp.MustCompile(w).MatchString(r.Output) {
					t.Errorf("output lacks %q:\n%s", w, r.Output)
				}
			}
		})
	}

	// A datasource output reaches Prepare as "<unknown>" during validate.
	p.WriteFile(t, "ds.pkr.hcl", `
data "linuxkit" "x" {
  spec_files = ["${path.root}/specs/base.yml"]
  pull       = "never"
}
source "linuxkit" "ds" { spec = data.linuxkit.x.yaml }
build { sources = ["source.linuxkit.ds"] }`)
	if r := p.Run(t, "validate", "ds.pkr.hcl"); r.ExitCode != 0 {
		t.Fatalf("packer validate with a datasource-fed spec: exit %d\n%s", r.ExitCode, r.Output)
	}
}
