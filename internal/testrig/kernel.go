package testrig

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// kernelGlob matches Debian's cloud kernel, which boots under TCG in about 2 s (DESIGN §6).
const kernelGlob = "vmlinuz-*-cloud-amd64"

// overlayRel is where Debian's linux-image package keeps overlay.ko below /lib/modules/<version>.
const overlayRel = "kernel/fs/overlayfs/overlay.ko"

const kernelHint = "run `make kernel` (scripts/kernel.sh: apt-get download of linux-image-cloud-amd64 into <repo>/.cache/kernel) or set LINUXKIT_TEST_KERNEL"

// Kernel returns the path of the Debian cloud kernel (vmlinuz) the QEMU tests boot:
// $LINUXKIT_TEST_KERNEL, else the newest <repo>/.cache/kernel/boot/vmlinuz-*-cloud-amd64 that
// scripts/kernel.sh extracts, else /boot/vmlinuz-*-cloud-amd64. Missing: fail (skip under -short).
func Kernel(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("LINUXKIT_TEST_KERNEL"); p != "" {
		if isRegular(p) {
			return p
		}
		Missing(t, "LINUXKIT_TEST_KERNEL=%s is not a file; %s", p, kernelHint)
	}
	for _, dir := range kernelDirs(t) {
		if k := newest(filepath.Join(dir, "boot", kernelGlob)); k != "" {
			return k
		}
	}
	Missing(t, "no Debian cloud kernel (%s) found; %s", kernelGlob, kernelHint)
	return ""
}

// OverlayModule returns overlay.ko built for Kernel(t): Debian's cloud kernel has
// CONFIG_OVERLAY_FS=m, so a LinuxKit overlay bundle (readonly: false) needs it in the initrd.
// It is $LINUXKIT_TEST_OVERLAY, else lib/modules/<version>/kernel/fs/overlayfs/overlay.ko next to
// the kernel's boot/ folder, else the same path under /. Missing: fail (skip under -short).
func OverlayModule(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("LINUXKIT_TEST_OVERLAY"); p != "" {
		if isRegular(p) {
			return p
		}
		Missing(t, "LINUXKIT_TEST_OVERLAY=%s is not a file; %s", p, kernelHint)
	}
	k := Kernel(t)
	version := KernelVersion(k)
	candidates := []string{
		filepath.Join(filepath.Dir(filepath.Dir(k)), "lib", "modules", version, overlayRel),
		filepath.Join("/lib/modules", version, overlayRel),
	}
	for _, p := range candidates {
		if isRegular(p) {
			return p
		}
	}
	Missing(t, "overlay.ko for kernel %s not found in %v; %s", version, candidates, kernelHint)
	return ""
}

// KernelVersion returns the release string of a kernel file named like Debian's
// (vmlinuz-6.1.0-56-cloud-amd64 → 6.1.0-56-cloud-amd64), which is uname -r in the guest.
func KernelVersion(kernelPath string) string {
	return strings.TrimPrefix(filepath.Base(kernelPath), "vmlinuz-")
}

// kernelDirs lists the roots searched for boot/vmlinuz-*: the repo cache first, then the host.
func kernelDirs(t testing.TB) []string {
	t.Helper()
	return []string{filepath.Join(RepoRoot(t), ".cache", "kernel"), "/"}
}

// newest returns the last match of a glob in lexical order, or "" when none is a regular file.
func newest(pattern string) string {
	matches, _ := filepath.Glob(pattern) // the only error is a bad pattern, and ours are constant
	sort.Strings(matches)
	for i := len(matches) - 1; i >= 0; i-- {
		if isRegular(matches[i]) {
			return matches[i]
		}
	}
	return ""
}

// isRegular reports whether p is a regular file (symlinks followed).
func isRegular(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
