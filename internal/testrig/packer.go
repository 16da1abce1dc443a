package testrig

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/boottest"
)

// PluginSource is the Packer source address the tests install the plugin under.
const PluginSource = "github.com/seed844b7c54/linuxkit"

var (
	pluginOnce sync.Once
	pluginPath string
	pluginErr  error
	pluginOut  []byte
)

// Packer is a real packer binary with this plugin installed into a private
// plugin directory, ready to run templates in a working directory.
type Packer struct {
	Bin string   // the packer binary
	Env []string // PACKER_PLUGIN_PATH, PACKER_CONFIG_DIR, CHECKPOINT_DISABLE …
	Dir string   // working directory for runs
}

// Result is one packer run.
type Result struct {
	Args     []string
	ExitCode int
	Output   string // stdout and stderr, interleaved
}

// PluginBinary builds the plugin once per test process (with the lktest build
// tag, which adds the test-only post-processor) and returns its path;
// LINUXKIT_PLUGIN_BIN names a prebuilt one instead. The binary goes to
// <repo>/bin/lktest/packer-plugin-linuxkit (bin/ is git-ignored), built
// beside it and renamed into place, so test processes running side by side
// each install a whole binary and no test run leaves a copy in the temp
// directory.
func PluginBinary(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("LINUXKIT_PLUGIN_BIN"); bin != "" {
		return bin // a prebuilt plugin (built with -tags lktest), e.g. from another worktree
	}
	pluginOnce.Do(func() {
		dir := filepath.Join(RepoRoot(t), "bin", "lktest")
		if pluginErr = os.MkdirAll(dir, 0o755); pluginErr != nil {
			return
		}
		tmp, err := os.CreateTemp(dir, ".build-*")
		if err != nil {
			pluginErr = err
			return
		}
		tmp.Close()
		defer os.Remove(tmp.Name()) // gone after the rename; removed when the build failed
		cmd := exec.Command("go", "build", "-tags", "lktest", "-o", tmp.Name(), ".")
		cmd.Dir = RepoRoot(t)
		if pluginOut, pluginErr = cmd.CombinedOutput(); pluginErr != nil {
			return
		}
		pluginPath = filepath.Join(dir, "packer-plugin-linuxkit")
		pluginErr = os.Rename(tmp.Name(), pluginPath)
	})
	if pluginErr != nil {
		t.Fatalf("building the plugin: %v\n%s", pluginErr, pluginOut)
	}
	return pluginPath
}

// NewPacker installs the plugin with `packer plugins install --path` into a
// fresh plugin directory and returns a runner whose working directory is a
// new temporary directory.
func NewPacker(t testing.TB) *Packer {
	t.Helper()
	bin := PackerBin(t)
	plugin := PluginBinary(t)
	home := t.TempDir()
	p := &Packer{
		Bin: bin,
		Dir: t.TempDir(),
		Env: append(os.Environ(),
			"PACKER_PLUGIN_PATH="+filepath.Join(home, "plugins"),
			"PACKER_CONFIG_DIR="+filepath.Join(home, "config"),
			"PACKER_CACHE_DIR="+filepath.Join(home, "cache"),
			"CHECKPOINT_DISABLE=1",
			"PACKER_NO_COLOR=1",
			// The host's docker credential helpers must not meddle with
			// pulls from the loopback registry.
			"DOCKER_CONFIG="+filepath.Join(home, "docker"),
		),
	}
	p.Env = append(p.Env, TCGEnv()...)
	if r := p.Run(t, "plugins", "install", "--path", plugin, PluginSource); r.ExitCode != 0 {
		t.Fatalf("packer plugins install: exit %d\n%s", r.ExitCode, r.Output)
	}
	return p
}

// WriteFile writes a file into the runner's working directory and returns its path.
func (p *Packer) WriteFile(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(p.Dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Run runs packer with args in the working directory (10-minute deadline) and
// returns its exit code and output; it fails the test only if packer cannot
// be started at all.
func (p *Packer) Run(t testing.TB, args ...string) Result {
	t.Helper()
	return p.RunEnv(t, nil, args...)
}

// RunEnv is Run with extra environment variables.
func (p *Packer) RunEnv(t testing.TB, env []string, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.Bin, args...)
	cmd.Dir = p.Dir
	cmd.Env = append(append([]string(nil), p.Env...), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	r := Result{Args: args, Output: out.String()}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running packer %s: %v", strings.Join(args, " "), err)
		}
		r.ExitCode = ee.ExitCode()
	}
	return r
}

// TCGEnv returns the environment that makes the builder's boot_test run QEMU under TCG, as
// every rig does (KVM opens but does not run guests on the machines this project is tested
// on), unless the caller's environment already chose an accelerator.
func TCGEnv() []string {
	if os.Getenv(boottest.AccelEnv) != "" {
		return nil
	}
	return []string{boottest.AccelEnv + "=" + boottest.AccelTCG}
}
