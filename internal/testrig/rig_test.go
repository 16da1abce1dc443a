package testrig

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func TestStripANSI(t *testing.T) {
	in := "SeaBIOS\r\nBooting from ROM..\x1bc\x1b[?7l\x1b[2JNONCE-1\r\n\x1b]0;title\x07ok\x1b(B \x1b[1;31mERRO\x1b[0m\tx\x00\n"
	want := "SeaBIOS\nBooting from ROM..NONCE-1\nok ERRO\tx\n"
	if got := StripANSI(in); got != want {
		t.Errorf("StripANSI = %q, want %q", got, want)
	}
	// Split at every byte: state carries across writes.
	for i := range len(in) {
		var c consoleCleaner
		got := string(c.clean(c.clean(nil, []byte(in[:i])), []byte(in[i:])))
		if got != want {
			t.Fatalf("split at %d: %q, want %q", i, got, want)
		}
	}
}

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

func TestQEMUArgs(t *testing.T) {
	k := Kernel(t)
	args, err := qemuArgs(BootOptions{Kernel: k, Initrd: k})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(args, " ")
	for _, want := range []string{"-accel tcg", "-nographic", "-no-reboot", "-m 1024", "-initrd " + k, "-append " + DefaultAppend} {
		if !strings.Contains(joined, want) {
			t.Errorf("args %q lack %q", joined, want)
		}
	}
	disk := filepath.Join(t.TempDir(), "a,b.vmdk")
	if err := os.WriteFile(disk, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	args, err = qemuArgs(BootOptions{Disk: disk, DiskInterface: "virtio", MemoryMB: 512})
	if err != nil {
		t.Fatal(err)
	}
	if j := strings.Join(args, " "); !strings.Contains(j, "a,,b.vmdk,format=vmdk,if=virtio,snapshot=on") || !strings.Contains(j, "-m 512") {
		t.Errorf("disk args %q", j)
	}
	for _, bad := range []BootOptions{
		{},                        // nothing to boot
		{Kernel: k, ISO: k},       // two things
		{ISO: "/nonexistent.iso"}, // missing file
		{Kernel: k, ExtraArgs: []string{"-enable-kvm"}},
		{Kernel: k, ExtraArgs: []string{"-accel", "kvm"}},
	} {
		if _, err := qemuArgs(bad); err == nil {
			t.Errorf("qemuArgs(%+v) accepted", bad)
		}
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

// TestBootAndWaitEarlyExit boots the kernel without an initrd: it panics (no root), panic=-1
// reboots and -no-reboot ends QEMU, so BootAndWait must fail fast with the log in the error.
func TestBootAndWaitEarlyExit(t *testing.T) {
	if testing.Short() {
		t.Skip("boots QEMU: skipped in -short mode")
	}
	kernel := Kernel(t)
	start := time.Now()
	out, err := BootAndWait(context.Background(), t, BootOptions{Kernel: kernel, MemoryMB: 256},
		Marker("NEVER-PRINTED"), 60*time.Second)
	if err == nil {
		t.Fatalf("marker found in %q", out)
	}
	for _, want := range []string{"QEMU exited", "Kernel panic", "serial log:", "-accel tcg"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if !strings.Contains(out, "Kernel panic") {
		t.Errorf("output lacks the panic")
	}
	t.Logf("panic boot ended after %s", time.Since(start).Round(time.Millisecond))
}

// TestConsoleDeadline: WaitFor gives up at the deadline with the log, and Kill reaps QEMU.
func TestConsoleDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("boots QEMU: skipped in -short mode")
	}
	c := Boot(t, BootOptions{Kernel: Kernel(t), MemoryMB: 256})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := c.WaitFor(ctx, Marker("NEVER-PRINTED")); err == nil || !strings.Contains(err.Error(), "not seen after") {
		t.Fatalf("WaitFor past the deadline: %v", err)
	}
	c.Kill()
	if c.cmd.ProcessState == nil {
		t.Fatal("QEMU not reaped after Kill")
	}
	if err := syscall.Kill(-c.cmd.Process.Pid, 0); err == nil {
		t.Error("QEMU's process group still exists after Kill")
	}
	c.Kill() // idempotent
}
