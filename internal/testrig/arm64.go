package testrig

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// arm64Hint says how to get the arm64 parts.
const arm64Hint = "run scripts/arm64.sh (apt-get download of Debian's arm64 cloud kernel, busybox-static, runc, libc6, libseccomp2 and systemd-boot-efi into <repo>/.cache/arm64) or set LINUXKIT_ARM64_CACHE"

// ARM64 are the Debian arm64 parts scripts/arm64.sh fetches, for AAVMF boots.
type ARM64 struct {
	Dir     string // the cache folder
	Kernel  string // boot/vmlinuz-<abi>-cloud-arm64, an uncompressed arm64 Image with an EFI stub
	Overlay string // lib/modules/<abi>-cloud-arm64/kernel/fs/overlayfs/overlay.ko of that kernel
	Busybox string // bin/busybox from busybox-static:arm64
	Runc    string // usr/sbin/runc from runc:arm64
	StubDir string // usr/lib/systemd/boot/efi, holding linuxaa64.efi.stub
}

// ARM64Parts finds the arm64 parts in $LINUXKIT_ARM64_CACHE, else <repo>/.cache/arm64. A
// missing part fails the test (skips it under -short).
func ARM64Parts(t testing.TB) ARM64 {
	t.Helper()
	dir := os.Getenv("LINUXKIT_ARM64_CACHE")
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), ".cache", "arm64")
	}
	kernels, _ := filepath.Glob(filepath.Join(dir, "boot", "vmlinuz-*-cloud-arm64"))
	if len(kernels) == 0 {
		Missing(t, "no arm64 kernel in %s; %s", dir, arm64Hint)
	}
	sort.Strings(kernels)
	a := ARM64{
		Dir:     dir,
		Kernel:  kernels[len(kernels)-1],
		Busybox: filepath.Join(dir, "bin", "busybox"),
		Runc:    filepath.Join(dir, "usr", "sbin", "runc"),
		StubDir: filepath.Join(dir, "usr", "lib", "systemd", "boot", "efi"),
	}
	a.Overlay = filepath.Join(dir, "lib", "modules", KernelVersion(a.Kernel), overlayRel)
	for _, p := range []string{a.Busybox, a.Runc, a.Overlay, filepath.Join(a.StubDir, "linuxaa64.efi.stub")} {
		if _, err := os.Stat(p); err != nil {
			Missing(t, "%s is missing; %s", p, arm64Hint)
		}
	}
	return a
}
