package testrig

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// The arm64 fixture images: the same images as the amd64 ones (KernelImage, InitImage,
// BusyboxImage), made of the Debian arm64 parts ARM64Parts finds, so the AAVMF boots run the
// fixture init and real containers under the real arm64 runc.

// arm64LibDirs are where Debian's arm64 packages keep shared libraries, as the loader searches.
var arm64LibDirs = []string{"lib/aarch64-linux-gnu", "usr/lib/aarch64-linux-gnu"}

// parts returns the arm64 parts as the image builders take them.
func (a ARM64) parts(t testing.TB) hostParts {
	t.Helper()
	libs, err := elfLibs(a.Dir, a.Runc)
	if err != nil {
		Missing(t, "arm64 runc's libraries: %v; %s", err, arm64Hint)
	}
	return hostParts{arch: "arm64", busybox: a.Busybox, runc: a.Runc, runcLibs: libs, kernel: a.Kernel, overlay: a.Overlay}
}

// elfLibs lists the program interpreter and the DT_NEEDED libraries of the ELF file bin, found
// under root (a foreign architecture's file tree, where ldd cannot run), sorted by path.
func elfLibs(root, bin string) ([]hostLib, error) {
	f, err := elf.Open(bin)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	needed, err := f.ImportedLibraries()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", bin, err)
	}
	var paths []string
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err != nil {
				return nil, fmt.Errorf("%s: interpreter: %w", bin, err)
			}
			paths = append(paths, string(b[:len(b)-1])) // NUL-terminated
		}
	}
	for _, n := range needed {
		found := ""
		for _, d := range arm64LibDirs {
			if isRegular(filepath.Join(root, d, n)) {
				found = "/" + path.Join(d, n)
				break
			}
		}
		if found == "" {
			return nil, fmt.Errorf("%s needs %s, which is in none of %v under %s", bin, n, arm64LibDirs, root)
		}
		paths = append(paths, found)
	}
	libs := make([]hostLib, 0, len(paths))
	for _, p := range paths {
		file, err := filepath.EvalSymlinks(filepath.Join(root, p))
		if err != nil {
			return nil, fmt.Errorf("resolve %s under %s: %w", p, root, err)
		}
		libs = append(libs, hostLib{path: p, file: file})
	}
	sort.Slice(libs, func(i, j int) bool { return libs[i].path < libs[j].path })
	return libs, nil
}

// KernelImageARM64 is KernelImage for linux/arm64: /kernel is Debian's arm64 cloud kernel (an
// uncompressed Image with an EFI stub) and /kernel.tar holds its overlay.ko.
func KernelImageARM64(t testing.TB) v1.Image {
	t.Helper()
	a := ARM64Parts(t)
	v, err := cached("kernel|arm64|"+a.Kernel+"|"+a.Overlay, func() (any, error) { return buildKernelImage("arm64", a.Kernel, a.Overlay) })
	if err != nil {
		t.Fatalf("testrig: arm64 kernel image: %v", err)
	}
	return v.(v1.Image)
}

// InitImageARM64 is InitImage for linux/arm64: arm64 busybox, Debian's arm64 runc with its
// libraries, the arm64 overlay.ko and the same /init.
func InitImageARM64(t testing.TB) v1.Image {
	t.Helper()
	h := ARM64Parts(t).parts(t)
	v, err := cached("init|"+h.key(), func() (any, error) { return buildInitImage(h) })
	if err != nil {
		t.Fatalf("testrig: arm64 init image: %v", err)
	}
	return v.(v1.Image)
}

// BusyboxImageARM64 is BusyboxImage for linux/arm64.
func BusyboxImageARM64(t testing.TB, cfg v1.Config) v1.Image {
	t.Helper()
	bb := ARM64Parts(t).Busybox
	key, err := json.Marshal(cfg)
	if err != nil {
		t.Fatalf("testrig: busybox image config: %v", err)
	}
	v, err := cached("busybox|arm64|"+bb+"|"+string(key), func() (any, error) { return buildBusyboxImage("arm64", bb, cfg) })
	if err != nil {
		t.Fatalf("testrig: arm64 busybox image: %v", err)
	}
	return v.(v1.Image)
}

// PushFixturesARM64 is PushFixtures for arm64 builds: the arm64 kernel, init and service images
// pushed into reg under their own repositories (linuxkit/kernel-arm64:test, …). InitIndex is
// left empty.
func PushFixturesARM64(t testing.TB, reg *Registry) Fixtures {
	t.Helper()
	f := Fixtures{
		Kernel:  reg.Ref("linuxkit/kernel-arm64:test"),
		Init:    reg.Ref("linuxkit/init-arm64:test"),
		Service: reg.Ref("linuxkit/hello-arm64:test"),
		Digests: map[string]string{},
	}
	f.Digests[f.Kernel] = reg.Push(t, f.Kernel, KernelImageARM64(t))
	f.Digests[f.Init] = reg.Push(t, f.Init, InitImageARM64(t))
	f.Digests[f.Service] = reg.Push(t, f.Service, BusyboxImageARM64(t, v1.Config{
		Env: []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "FIXTURE_NAME=hello"}, WorkingDir: "/"}))
	return f
}
