package testrig

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// PackerRig is what every end-to-end test of the real packer sets up first: a loopback
// registry holding the fixture images, and a packer with the plugin installed whose working
// directory the test writes its spec and template into.
type PackerRig struct {
	*Packer
	Registry *Registry // the loopback registry; Registry.Host goes into insecure_registries
	Fixtures Fixtures  // the fixture images pushed into Registry
}

// NewPackerRig starts a registry, pushes the fixtures into it and installs the plugin into a
// fresh packer (NewPacker). A missing packer, kernel or host tool fails the test (skips it
// under -short).
func NewPackerRig(t testing.TB) *PackerRig {
	t.Helper()
	reg := StartRegistry(t)
	fx := PushFixtures(t, reg)
	return &PackerRig{Packer: NewPacker(t), Registry: reg, Fixtures: fx}
}

// FixtureSpec returns the text of a LinuxKit spec whose kernel and init are the fixture images
// fx, booting with cmdline, followed by extra: more top-level sections (onboot, services,
// files …), written as they would stand in the spec file, or "". The end-to-end tests share it
// so the kernel and init references are spelled the same way everywhere.
func FixtureSpec(fx Fixtures, cmdline, extra string) string {
	return fmt.Sprintf("kernel:\n  image: %s\n  cmdline: %q\ninit:\n  - %s\n", fx.Kernel, cmdline, fx.Init) + extra
}

// BuildArgs returns the arguments of `packer build -color=false template`, each of vars
// ("name=value") passed with -var, for Packer.Build or a run the test drives itself.
func BuildArgs(template string, vars ...string) []string {
	args := []string{"build", "-color=false"}
	for _, v := range vars {
		args = append(args, "-var", v)
	}
	return append(args, template)
}

// Build runs packer with args and the extra environment env (as RunEnv does), fails the test
// with packer's output unless it exits 0, and logs how long the run took.
func (p *Packer) Build(t testing.TB, env []string, args ...string) Result {
	t.Helper()
	start := time.Now()
	r := p.RunEnv(t, env, args...)
	if r.ExitCode != 0 {
		t.Fatalf("packer %s: exit %d\n%s", strings.Join(args, " "), r.ExitCode, r.Output)
	}
	t.Logf("packer %s %s: %s", args[0], args[len(args)-1], time.Since(start).Round(time.Millisecond))
	return r
}

// ReadDump decodes into v the JSON file at path that the test-only linuxkit-dump
// post-processor wrote about the artifact it received across Packer's RPC, and returns the
// file's bytes for messages. A missing file fails the test with output, what packer printed.
func ReadDump(t testing.TB, path, output string, v any) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the dump post-processor wrote nothing: %v\n%s", err, output)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("the dump %s: %v\n%s", path, err, data)
	}
	return data
}
