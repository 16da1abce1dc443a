package testrig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TestARM64Images checks the arm64 fixture images: arm64 configs, the arm64 runc with the
// loader and libraries its ELF header names, the arm64 overlay.ko, and an index pushed for a
// spec that holds both platforms.
func TestARM64Images(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the arm64 fixture images from the arm64 parts: skipped in -short mode")
	}
	h := ARM64Parts(t).parts(t)
	var libs []string
	for _, l := range h.runcLibs {
		libs = append(libs, l.path)
	}
	if got := strings.Join(libs, " "); got != "/lib/aarch64-linux-gnu/libc.so.6 /lib/ld-linux-aarch64.so.1 /usr/lib/aarch64-linux-gnu/libseccomp.so.2" {
		t.Errorf("arm64 runc's libraries = %s", got)
	}
	files := listFiles(t, InitImageARM64(t))
	for _, want := range append([]string{"init", "bin/busybox", "usr/bin/runc", "lib/modules/overlay.ko"}, libs...) {
		if _, ok := files[strings.TrimPrefix(want, "/")]; !ok {
			t.Errorf("arm64 init image lacks %s", want)
		}
	}
	for _, img := range []struct {
		name string
		arch func() (string, error)
	}{
		{"kernel", func() (string, error) { cf, err := KernelImageARM64(t).ConfigFile(); return cf.Architecture, err }},
		{"init", func() (string, error) { cf, err := InitImageARM64(t).ConfigFile(); return cf.Architecture, err }},
	} {
		if a, err := img.arch(); err != nil || a != "arm64" {
			t.Errorf("%s image architecture %q (%v)", img.name, a, err)
		}
	}

	// A spec's images pushed for both platforms: each tag is an index, and pulling it for
	// arm64 gives the arm64 fixture.
	reg := StartRegistry(t)
	spec := filepath.Join(t.TempDir(), "a.yml")
	if err := os.WriteFile(spec, []byte("kernel:\n  image: linuxkit/kernel:1\ninit:\n  - linuxkit/init:1\nonboot:\n  - name: a\n    image: busybox:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if pushed := PushSpecImagesARM64(t, reg, spec); len(pushed) != 3 {
		t.Fatalf("pushed %v", pushed)
	}
	ref, err := name.ParseReference(reg.Ref("library/busybox:1"), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(ref, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: "arm64"}))
	if err != nil {
		t.Fatal(err)
	}
	if digest(t, img) != digest(t, BusyboxImageARM64(t, v1.Config{Env: []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, WorkingDir: "/"})) {
		t.Error("the arm64 entry of busybox:1 is not the arm64 busybox fixture")
	}
}
