package testrig

import (
	"debug/elf"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// hostLib is one shared library runc needs: where the loader looks for it (copied there in the
// image) and the host file holding it (symlinks resolved).
type hostLib struct {
	path, file string
}

// hostParts are the files the fixture images of one architecture are made of: the host's for
// amd64, the arm64 cache's (ARM64Parts) for arm64.
type hostParts struct {
	arch     string    // the images' architecture, amd64 or arm64
	busybox  string    // static busybox (busybox-static)
	runc     string    // Debian's runc
	runcLibs []hostLib // runc's shared libraries and loader, from ldd
	kernel   string    // Debian's cloud vmlinuz
	overlay  string    // overlay.ko of that kernel
}

// key identifies the parts for the per-process image cache.
func (h hostParts) key() string {
	return strings.Join([]string{h.arch, h.busybox, h.runc, h.kernel, h.overlay}, "|")
}

// staticBusybox finds a statically linked busybox on PATH (Debian's busybox-static package):
// the same binary runs in the initramfs and in container roots without any library.
func staticBusybox(t testing.TB) string {
	t.Helper()
	Require(t, "busybox")
	p, _ := exec.LookPath("busybox") // Require checked it
	p, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatalf("testrig: resolve busybox: %v", err)
	}
	dynamic, err := isDynamic(p)
	if err != nil {
		t.Fatalf("testrig: inspect %s: %v", p, err)
	}
	if dynamic {
		Missing(t, "%s is dynamically linked; install busybox-static", p)
	}
	return p
}

// isDynamic reports whether an ELF file needs a program interpreter (the dynamic loader).
func isDynamic(p string) (bool, error) {
	f, err := elf.Open(p)
	if err != nil {
		return false, fmt.Errorf("open ELF: %w", err)
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			return true, nil
		}
	}
	return false, nil
}

// hostRunc finds runc and the libraries ldd lists for it (libseccomp, libc, the loader).
func hostRunc(t testing.TB) (string, []hostLib) {
	t.Helper()
	Require(t, "runc", "ldd")
	p, _ := exec.LookPath("runc")
	p, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatalf("testrig: resolve runc: %v", err)
	}
	out, err := exec.Command("ldd", p).Output()
	if err != nil {
		t.Fatalf("testrig: ldd %s: %v", p, err)
	}
	libs, err := parseLdd(string(out))
	if err != nil {
		t.Fatalf("testrig: ldd %s: %v", p, err)
	}
	return p, libs
}

// parseLdd reads ldd's output: "name => /path (addr)" and "/path (addr)" lines give a library
// path; linux-vdso (no file) is skipped. The result is sorted by path.
func parseLdd(out string) ([]hostLib, error) {
	var libs []hostLib
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if _, after, ok := strings.Cut(line, "=>"); ok {
			line = strings.TrimSpace(after)
		}
		if strings.Contains(line, "not found") {
			return nil, fmt.Errorf("missing library: %s", line)
		}
		p, _, _ := strings.Cut(line, " ")
		if !strings.HasPrefix(p, "/") {
			continue
		}
		file, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", p, err)
		}
		libs = append(libs, hostLib{path: p, file: file})
	}
	if len(libs) == 0 {
		return nil, fmt.Errorf("no library in ldd output %q", out)
	}
	sort.Slice(libs, func(i, j int) bool { return libs[i].path < libs[j].path })
	return libs, nil
}

// resolveParts locates every host part, failing when one is missing (skipping under -short).
func resolveParts(t testing.TB) hostParts {
	t.Helper()
	runc, libs := hostRunc(t)
	return hostParts{
		arch:     "amd64",
		busybox:  staticBusybox(t),
		runc:     runc,
		runcLibs: libs,
		kernel:   Kernel(t),
		overlay:  OverlayModule(t),
	}
}
