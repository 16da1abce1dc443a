package testrig

import (
	"bytes"
	_ "embed" // the fixture init script
	"encoding/json"
	"fmt"
	"path"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// InitScript is the fixture init's /init: a busybox sh script that copies the initramfs into
// a tmpfs, switch_roots, mounts proc, sysfs and cgroup2, and runs every LinuxKit bundle under
// /containers with the real runc. Its progress lines are FIXTURE-INIT ..., "RUNC-DONE rc=<rc>
// id=<name>" after each onboot and onshutdown bundle, ONBOOT-DONE, "SERVICE-DONE rc=<rc>
// id=<name>" and SERVICES-DONE; test markers must come from the containers themselves.
//
//go:embed init.sh
var InitScript string

// MobyConfigLabel is the image label holding a LinuxKit image's default runtime settings.
const MobyConfigLabel = "org.mobyproject.config"

// ServiceLabelConfig is the org.mobyproject.config label of ServiceImage: one capability, so a
// container's CapEff (0000000000000400) shows whether the label reached config.json.
const ServiceLabelConfig = `{"capabilities":["CAP_NET_BIND_SERVICE"]}`

// initApplets are the busybox applets init.sh and test commands use, linked in /bin.
var initApplets = []string{
	"[", "ash", "awk", "cat", "cp", "dmesg", "echo", "env", "false", "find", "grep", "head",
	"hostname", "id", "insmod", "kill", "ln", "ls", "mkdir", "modprobe", "mount", "mountpoint",
	"poweroff", "ps", "reboot", "rm", "sed", "sh", "sleep", "stat", "switch_root", "sync",
	"tail", "test", "touch", "tr", "true", "umount", "uname", "wc",
}

// serviceApplets are the busybox applets of the service images, linked in /bin.
var serviceApplets = []string{
	"[", "cat", "echo", "env", "false", "grep", "head", "hostname", "id", "ls", "mkdir",
	"mount", "ps", "rm", "sed", "sh", "sleep", "stat", "tail", "test", "touch", "tr", "true",
	"uname", "wc",
}

// memo caches built images per test process, keyed by what they are built from.
var memo = struct {
	sync.Mutex
	m map[string]*memoEntry
}{m: map[string]*memoEntry{}}

type memoEntry struct {
	once sync.Once
	v    any
	err  error
}

// cached builds the value for key once per process; later callers get the same value or error.
func cached(key string, build func() (any, error)) (any, error) {
	memo.Lock()
	e, ok := memo.m[key]
	if !ok {
		e = &memoEntry{}
		memo.m[key] = e
	}
	memo.Unlock()
	e.once.Do(func() { e.v, e.err = build() })
	return e.v, e.err
}

// KernelImage returns a LinuxKit-style kernel image (linux/amd64, Docker schema 2 media types as
// `docker push` makes): /kernel is Debian's cloud vmlinuz and /kernel.tar holds
// ./lib/modules/<version>/kernel/fs/overlayfs/overlay.ko, laid out like linuxkit/kernel.
func KernelImage(t testing.TB) v1.Image {
	t.Helper()
	k, ko := Kernel(t), OverlayModule(t)
	v, err := cached("kernel|amd64|"+k+"|"+ko, func() (any, error) { return buildKernelImage("amd64", k, ko) })
	if err != nil {
		t.Fatalf("testrig: kernel image: %v", err)
	}
	return v.(v1.Image)
}

// InitImage returns the fixture init image (linux/amd64, OCI media types): static busybox with
// its applets in /bin, Debian's runc at /usr/bin/runc with the libraries ldd lists at their
// paths, /lib/modules/overlay.ko and /init (InitScript). It replaces linuxkit/init, runc and
// containerd in a spec's init: section.
func InitImage(t testing.TB) v1.Image {
	t.Helper()
	h := resolveParts(t)
	v, err := cached("init|"+h.key(), func() (any, error) { return buildInitImage(h) })
	if err != nil {
		t.Fatalf("testrig: init image: %v", err)
	}
	return v.(v1.Image)
}

// InitIndex returns a multi-platform index: InitImage for linux/amd64 and a tiny placeholder
// image for linux/arm64 (it holds only /README), so platform choice is exercised.
func InitIndex(t testing.TB) v1.ImageIndex {
	t.Helper()
	amd64 := InitImage(t)
	v, err := cached("init-index|"+resolveParts(t).key(), func() (any, error) { return buildIndex(amd64) })
	if err != nil {
		t.Fatalf("testrig: init index: %v", err)
	}
	return v.(v1.ImageIndex)
}

// ServiceImage returns a small busybox image (linux/amd64, OCI) named name: label
// org.mobyproject.config = ServiceLabelConfig, Env FIXTURE_NAME=<name>, and a Cmd printing
// "SERVICE-<name>-UP", its CapEff, its uid and its hostname. A spec that sets capabilities or
// command overrides the label and Cmd, so tests see which one won.
func ServiceImage(t testing.TB, name string) v1.Image {
	t.Helper()
	return BusyboxImage(t, v1.Config{
		Labels: map[string]string{MobyConfigLabel: ServiceLabelConfig},
		Env:    []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "FIXTURE_NAME=" + name},
		Cmd: []string{"/bin/sh", "-c",
			"echo SERVICE-" + name + "-UP; grep CapEff /proc/self/status; id -u; hostname"},
		WorkingDir: "/",
	})
}

// BusyboxImage returns a linux/amd64 OCI image with static busybox, its applets in /bin and
// the directories a container root needs (dev, proc, sys, tmp, etc, run, var), under the given
// config. Use it for images whose labels, Env or Cmd a test needs to choose.
func BusyboxImage(t testing.TB, cfg v1.Config) v1.Image {
	t.Helper()
	bb := staticBusybox(t)
	key, err := json.Marshal(cfg)
	if err != nil {
		t.Fatalf("testrig: busybox image config: %v", err)
	}
	v, err := cached("busybox|amd64|"+bb+"|"+string(key), func() (any, error) { return buildBusyboxImage("amd64", bb, cfg) })
	if err != nil {
		t.Fatalf("testrig: busybox image: %v", err)
	}
	return v.(v1.Image)
}

// buildKernelImage assembles the kernel image of arch from a Debian vmlinuz and its overlay.ko.
func buildKernelImage(arch, kernel, overlay string) (v1.Image, error) {
	modules := newTree()
	modules.file(path.Join("lib/modules", KernelVersion(kernel), overlayRel), overlay, 0o644)
	var ktar bytes.Buffer // 355 KB: small enough to hold
	if err := modules.writeTar(&ktar, "./"); err != nil {
		return nil, fmt.Errorf("kernel.tar: %w", err)
	}
	root := newTree()
	root.file("kernel", kernel, 0o644)
	root.blob("kernel.tar", ktar.Bytes(), 0o644)
	return buildImage(types.DockerManifestSchema2, types.DockerConfigJSON, types.DockerLayer, arch,
		v1.Config{Labels: map[string]string{"org.mobyproject.linuxkit.kernel.version": KernelVersion(kernel)}},
		root)
}

// buildInitImage assembles the init image from the parts of one architecture.
func buildInitImage(h hostParts) (v1.Image, error) {
	root := newTree()
	addBusybox(root, h.busybox, initApplets)
	root.blob("init", []byte(InitScript), 0o755)
	root.file("usr/bin/runc", h.runc, 0o755)
	for _, l := range h.runcLibs {
		root.file(l.path, l.file, 0o755)
	}
	root.file("lib/modules/overlay.ko", h.overlay, 0o644)
	for _, d := range []string{"dev", "proc", "sys", "run", "tmp", "etc", "var", "root"} {
		root.dir(d, 0o755)
	}
	return buildImage(types.OCIManifestSchema1, types.OCIConfigJSON, types.OCILayer, h.arch,
		v1.Config{Env: []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, WorkingDir: "/"}, root)
}

// buildBusyboxImage assembles a busybox container image of arch with the given config.
func buildBusyboxImage(arch, busybox string, cfg v1.Config) (v1.Image, error) {
	root := newTree()
	addBusybox(root, busybox, serviceApplets)
	for _, d := range []string{"dev", "proc", "sys", "tmp", "etc", "run", "var"} {
		root.dir(d, 0o755)
	}
	return buildImage(types.OCIManifestSchema1, types.OCIConfigJSON, types.OCILayer, arch, cfg, root)
}

// buildIndex makes the two-platform index around an amd64 image.
func buildIndex(amd64 v1.Image) (v1.ImageIndex, error) {
	root := newTree()
	root.blob("README", []byte("testrig placeholder for linux/arm64: nothing here runs\n"), 0o644)
	arm64, err := buildImage(types.OCIManifestSchema1, types.OCIConfigJSON, types.OCILayer, "arm64", v1.Config{}, root)
	if err != nil {
		return nil, err
	}
	return multiArchIndex(amd64, arm64)
}

// multiArchIndex makes an OCI index of an amd64 and an arm64 image; each entry keeps its
// image's own manifest media type.
func multiArchIndex(amd64, arm64 v1.Image) (v1.ImageIndex, error) {
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: amd64, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm64, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
	)
	if _, err := idx.Digest(); err != nil {
		return nil, fmt.Errorf("index digest: %w", err)
	}
	return idx, nil
}

// addBusybox adds /bin/busybox and relative symlinks /bin/<applet> → busybox.
func addBusybox(root *tree, busybox string, applets []string) {
	root.file("bin/busybox", busybox, 0o755)
	for _, a := range applets {
		root.symlink("bin/"+a, "busybox")
	}
}

// buildImage makes a one-layer image of the tree with the given media types and config,
// created at Epoch. Digests are computed here so errors surface now rather than mid-push.
func buildImage(manifestMT, configMT, layerMT types.MediaType, arch string, cfg v1.Config, root *tree) (v1.Image, error) {
	layer, err := root.layer(layerMT)
	if err != nil {
		return nil, err
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, manifestMT), configMT)
	img, err := mutate.ConfigFile(base, &v1.ConfigFile{
		Architecture: arch,
		OS:           "linux",
		Created:      v1.Time{Time: Epoch},
		Config:       cfg,
		RootFS:       v1.RootFS{Type: "layers"},
	})
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	img, err = mutate.Append(img, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: v1.Time{Time: Epoch}, CreatedBy: "testrig fixture"},
	})
	if err != nil {
		return nil, fmt.Errorf("append layer: %w", err)
	}
	if _, err := img.Digest(); err != nil {
		return nil, fmt.Errorf("image digest: %w", err)
	}
	return img, nil
}
