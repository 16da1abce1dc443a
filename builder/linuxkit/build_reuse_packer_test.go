package linuxkit_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

const reuseTemplate = `
variable "spec"    { type = string }
variable "out"     { type = string }
variable "cache"   { type = string }
variable "host"    { type = string }
variable "formats" { type = list(string) }
variable "name"    { type = string }

source "linuxkit" "reuse" {
  spec                = var.spec
  output_name         = var.name
  formats             = var.formats
  output_directory    = var.out
  cache_dir           = var.cache
  insecure_registries = [var.host]
}

build {
  sources = ["source.linuxkit.reuse"]
}
`

// TestPackerReuseOutputs: through the real packer (HCL2, so the builder
// gets cty values), `-force` of an unchanged template keeps the outputs, and
// changing an option (formats, output_name) builds again.
func TestPackerReuseOutputs(t *testing.T) {
	reg := testrig.StartRegistry(t)
	fx := testrig.PushFixtures(t, reg)
	p := testrig.NewPacker(t)
	tpl := p.WriteFile(t, "reuse.pkr.hcl", reuseTemplate)
	build := func(formats, name string) string {
		t.Helper()
		args := append([]string{"build", "-force", "-color=false"},
			"-var", "spec="+testrig.FixtureSpec(fx, "console=ttyS0", ""), "-var", "out="+filepath.Join(p.Dir, "out"),
			"-var", "cache="+filepath.Join(p.Dir, "cache"), "-var", "host="+reg.Host,
			"-var", "formats="+formats, "-var", "name="+name, tpl)
		return p.Build(t, nil, args...).Output
	}
	for i, step := range []struct{ formats, name, want string }{
		{`["tar"]`, "lk", "Assembled"},
		{`["tar"]`, "lk", "Kept the outputs"},
		{`["tar", "kernel+initrd"]`, "lk", "Building again: the spec, the options"},
		{`["tar", "kernel+initrd"]`, "lk2", "Building again: the spec, the options"},
		{`["tar", "kernel+initrd"]`, "lk2", "Kept the outputs"},
	} {
		if out := build(step.formats, step.name); !strings.Contains(out, step.want) {
			t.Errorf("build %d (%s, %s): no %q:\n%s", i, step.formats, step.name, step.want, out)
		}
	}
}
