package testrig

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// PackerVersion is the packer release the end-to-end tests run; scripts/tools.sh builds it.
const PackerVersion = "1.16.0"

// Missing fails the test: outside -short every part a test needs must be there, so a run can
// never pass by skipping. Under -short (`make test-short`, the quick tool-free run) it skips.
// Every test that needs a part the host may lack (a tool, a file, a host layout) calls it
// instead of t.Skip, so the rule lives in one place; scripts/deps.sh installs the parts.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if testing.Short() {
		t.Skipf("skipping under -short: %s", msg)
	}
	t.Fatalf("a required test part is missing: %s (scripts/deps.sh installs the host packages; make tools and make kernel the rest)", msg)
}

// Require looks up each tool on PATH. A missing one fails the test (skips it under -short).
// Tests call it before using a real external tool (qemu-system-x86_64, cpio, qemu-img ...).
func Require(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			Missing(t, "tool %q not found on PATH (install it, e.g. with apt-get)", tool)
		}
	}
}

// RepoRoot returns the module's root directory: the first parent of the working directory
// holding a go.mod. Tests run in their package's directory, so this finds the checkout.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("testrig: working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("testrig: no go.mod above the working directory")
		}
		dir = parent
	}
}

// PackerBin returns the packer binary the end-to-end tests run: $PACKER_BIN, else
// <repo>/bin/packer, else the per-version tool cache
// ${XDG_CACHE_HOME:-~/.cache}/packer-plugin-linuxkit/packer-v1.16.0/packer that
// scripts/tools.sh fills. Missing: fail (skip under -short).
func PackerBin(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("PACKER_BIN"); p != "" {
		if isExecutable(p) {
			return p
		}
		Missing(t, "PACKER_BIN=%s is not an executable file", p)
	}
	candidates := []string{filepath.Join(RepoRoot(t), "bin", "packer")}
	if c := toolCache(); c != "" {
		candidates = append(candidates, filepath.Join(c, "packer-v"+PackerVersion, "packer"))
	}
	for _, p := range candidates {
		if isExecutable(p) {
			return p
		}
	}
	Missing(t, "packer v%s not found in %v; build it with scripts/tools.sh (about 5 minutes cold) or set PACKER_BIN",
		PackerVersion, candidates)
	return ""
}

// toolCache is the per-version cache that survives fresh clones (DESIGN §6).
func toolCache() string {
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "packer-plugin-linuxkit")
}

// isExecutable reports whether p is a regular file with an execute bit (symlinks followed).
func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
