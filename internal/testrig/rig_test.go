package testrig

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func TestParseLdd(t *testing.T) {
	out := "\tlinux-vdso.so.1 (0x00007ffd)\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)\n\t/lib64/ld-linux-x86-64.so.2 (0x00007f)\n"
	libs, err := parseLdd(out)
	if err != nil {
		Missing(t, "the glibc paths of Debian amd64: %v", err)
	}
	var paths []string
	for _, l := range libs {
		paths = append(paths, l.path)
	}
	if want := []string{"/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"}; !reflect.DeepEqual(paths, want) {
		t.Errorf("paths = %v, want %v", paths, want)
	}
	if _, err := parseLdd("\tlibfoo.so.1 => not found\n"); err == nil {
		t.Error("a missing library must be an error")
	}
}

func TestInitScriptSyntax(t *testing.T) {
	Require(t, "busybox")
	cmd := exec.Command("busybox", "sh", "-n", "/dev/stdin")
	cmd.Stdin = strings.NewReader(InitScript)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("busybox sh -n init.sh: %v\n%s", err, out)
	}
}

func TestImagesDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the fixture images from the host kernel, runc and busybox: skipped in -short mode")
	}
	h := resolveParts(t)
	a, err := buildInitImage(h)
	if err != nil {
		t.Fatal(err)
	}
	b, err := buildInitImage(h)
	if err != nil {
		t.Fatal(err)
	}
	if da, db := digest(t, a), digest(t, b); da != db {
		t.Errorf("init image digests differ: %s vs %s", da, db)
	}
	files := listFiles(t, InitImage(t))
	for _, want := range []string{"init", "bin/busybox", "bin/sh", "bin/switch_root", "usr/bin/runc", "lib/modules/overlay.ko", "dev"} {
		if _, ok := files[want]; !ok {
			t.Errorf("init image lacks %s", want)
		}
	}
	for _, l := range h.runcLibs {
		if _, ok := files[strings.TrimPrefix(l.path, "/")]; !ok {
			t.Errorf("init image lacks runc's library %s", l.path)
		}
	}
	if mt, _ := InitImage(t).MediaType(); mt != types.OCIManifestSchema1 {
		t.Errorf("init media type %s", mt)
	}
}

func TestKernelImageLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the kernel image from the host kernel: skipped in -short mode")
	}
	img := KernelImage(t)
	files := listFiles(t, img)
	if len(files) != 2 || files["kernel"] == nil || files["kernel.tar"] == nil {
		t.Fatalf("kernel image files = %v, want kernel and kernel.tar", keys(files))
	}
	tr := tar.NewReader(bytes.NewReader(files["kernel.tar"]))
	var names []string
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
	}
	ko := "./lib/modules/" + KernelVersion(Kernel(t)) + "/" + overlayRel
	if names[0] != "./" || names[len(names)-1] != ko {
		t.Errorf("kernel.tar entries = %v, want ./ first and %s last", names, ko)
	}
	if mt, _ := img.MediaType(); mt != types.DockerManifestSchema2 {
		t.Errorf("kernel media type %s", mt)
	}
}

func TestServiceImageLabel(t *testing.T) {
	cf, err := ServiceImage(t, "web").ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.Labels[MobyConfigLabel] != ServiceLabelConfig || cf.Architecture != "amd64" || !cf.Created.Equal(Epoch) {
		t.Errorf("config = %+v", cf)
	}
	if !strings.Contains(strings.Join(cf.Config.Cmd, " "), "SERVICE-web-UP") {
		t.Errorf("cmd = %v", cf.Config.Cmd)
	}
	if digest(t, ServiceImage(t, "web")) == digest(t, ServiceImage(t, "db")) {
		t.Error("two service names gave one image")
	}
}

func TestRegistry(t *testing.T) {
	if testing.Short() {
		t.Skip("pushes the fixture images, built from the host kernel: skipped in -short mode")
	}
	reg := StartRegistry(t)
	if !strings.HasPrefix(reg.Host, RegistryAddr+":") {
		t.Fatalf("host %s", reg.Host)
	}
	fx := PushFixtures(t, reg)

	// Plain HTTP works only when the reference is marked insecure: 127.0.0.2 is not localhost.
	secure, err := name.ParseReference(fx.Service)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := remote.Head(secure); err == nil {
		t.Error("a secure (HTTPS) reference reached the plain-HTTP registry")
	}
	ref, err := name.ParseReference(fx.InitIndex, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Get(ref)
	if err != nil {
		t.Fatal(err)
	}
	if desc.Digest.String() != fx.Digests[fx.InitIndex] || desc.MediaType != types.OCIImageIndex {
		t.Errorf("index %s %s, pushed %s", desc.Digest, desc.MediaType, fx.Digests[fx.InitIndex])
	}
	arm, err := remote.Image(ref, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: "arm64"}))
	if err != nil {
		t.Fatal(err)
	}
	if cf, err := arm.ConfigFile(); err != nil || cf.Architecture != "arm64" {
		t.Errorf("arm64 image config %+v, %v", cf, err)
	}

	before := reg.Requests()
	reg.Close()
	if _, err := remote.Head(ref); err == nil {
		t.Error("registry still answers after Close")
	}
	if reg.Requests() != before {
		t.Error("requests counted after Close")
	}
	reg.Close() // idempotent
}

// digest returns an image's manifest digest.
func digest(t testing.TB, img v1.Image) string {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// listFiles returns the flattened image: name → content (nil for non-files).
func listFiles(t testing.TB, img v1.Image) map[string][]byte {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	files := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		var data []byte
		if hdr.Typeflag == tar.TypeReg && hdr.Size < 1<<20 {
			if data, err = io.ReadAll(tr); err != nil {
				t.Fatal(err)
			}
		} else if hdr.Typeflag == tar.TypeReg {
			data = []byte{}
		}
		files[hdr.Name] = data
	}
}

func keys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
