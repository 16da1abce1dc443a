package linuxkit

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/media"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// runRig is what the in-process builder tests share: the loopback registry
// holding two tiny images (a kernel image and an init image, built here from
// bytes so that no host file is needed), an image cache and a bootloader_dir
// of synthetic syslinux files that pass media's checks. The media are not
// booted here: the packer tests boot them.
type runRig struct {
	reg     *testrig.Registry
	dir     string // a temporary folder for outputs
	cache   string // the image cache every build of the test shares
	bootDir string // bootloader_dir
	kernel  string // reference of the kernel image
	init    string // reference of the init image
	spec    string // a spec naming kernel and init
}

// runCmdline is the kernel command line of runRig's spec.
const runCmdline = "console=ttyS0 quiet"

func newRunRig(t *testing.T) *runRig {
	t.Helper()
	reg := testrig.StartRegistry(t)
	r := &runRig{
		reg:     reg,
		dir:     t.TempDir(),
		cache:   filepath.Join(t.TempDir(), "cache"),
		bootDir: t.TempDir(),
		kernel:  reg.Ref("tiny/kernel:1"),
		init:    reg.Ref("tiny/init:1"),
	}
	modules := tarBytes(t, map[string]string{"lib/modules/0.0.0-tiny/modules.dep": ""})
	reg.Push(t, r.kernel, tinyImage(t, map[string]string{"kernel": "not really a kernel\n", "kernel.tar": string(modules)}))
	reg.Push(t, r.init, tinyImage(t, map[string]string{"init": "#!/bin/sh\necho tiny\n", "etc/tiny-release": "tiny 1\n"}))
	r.spec = "kernel:\n  image: " + r.kernel + "\n  cmdline: \"" + runCmdline + "\"\ninit:\n  - " + r.init + "\n"

	isolinux := make([]byte, 2048)
	binary.LittleEndian.PutUint32(isolinux[0x40:], 0x7078c0fb) // the isohybrid signature media checks
	copy(isolinux[100:], "ISOLINUX 9.99 20300101 ")
	for name, data := range map[string][]byte{
		media.IsolinuxBinName: isolinux,
		media.LdlinuxC32Name:  append([]byte("\x7fELF"), make([]byte, 60)...),
		media.IsohdpfxBinName: bytes.Repeat([]byte{0x33}, 432),
	} {
		if err := os.WriteFile(filepath.Join(r.bootDir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// raw returns the builder options for a build of spec into out (a name under
// r.dir) writing formats, with extra options on top.
func (r *runRig) raw(out string, formats []string, extra map[string]interface{}) map[string]interface{} {
	m := map[string]interface{}{
		"packer_build_name":   "tiny",
		"spec":                r.spec,
		"output_name":         "lk",
		"formats":             formats,
		"output_directory":    filepath.Join(r.dir, out),
		"cache_dir":           r.cache,
		"insecure_registries": []string{r.reg.Host},
		"bootloader_dir":      r.bootDir,
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// build runs Builder.Prepare and Builder.Run in this process, as packer's
// plugin server does, with ui and a hook.
func (r *runRig) build(ctx context.Context, t *testing.T, ui packersdk.Ui, raw map[string]interface{}) (packersdk.Artifact, error) {
	t.Helper()
	var b Builder
	if _, _, err := b.Prepare(raw); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	return b.Run(ctx, ui, &packersdk.MockHook{})
}

// tinyImage is a one-layer linux/amd64 image holding files (path → content).
func tinyImage(t *testing.T, files map[string]string) v1.Image {
	t.Helper()
	return tinyImageFor(t, "amd64", files)
}

// tinyImageFor is tinyImage for another architecture.
func tinyImageFor(t *testing.T, arch string, files map[string]string) v1.Image {
	t.Helper()
	data := tarBytes(t, files)
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	img, err = mutate.ConfigFile(img, &v1.ConfigFile{Architecture: arch, OS: "linux"})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// tarBytes is a tar archive of files (path → content), in name order, with
// the folders they need.
func tarBytes(t *testing.T, files map[string]string) []byte {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	for _, n := range names {
		for d := filepath.Dir(n); d != "."; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	dirNames := make([]string, 0, len(dirs))
	for d := range dirs {
		dirNames = append(dirNames, d)
	}
	sort.Strings(dirNames)
	for _, d := range dirNames {
		if err := tw.WriteHeader(&tar.Header{Name: d + "/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range names {
		body := files[n]
		mode := int64(0o644)
		if strings.HasPrefix(body, "#!") {
			mode = 0o755
		}
		if err := tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: mode, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// uiLog is the output of a BasicUi, kept for assertions; when a line
// containing trigger is written it calls onTrigger once, which is how a test
// cancels a build at a known point rather than after a guessed delay.
type uiLog struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	trigger   string
	onTrigger func()
}

func (l *uiLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.buf.Write(p)
	var fire func()
	if l.trigger != "" && bytes.Contains(p, []byte(l.trigger)) {
		fire, l.onTrigger = l.onTrigger, nil
	}
	l.mu.Unlock()
	if fire != nil {
		fire()
	}
	return len(p), nil
}

func (l *uiLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// ui returns a packer UI writing both streams into l.
func (l *uiLog) ui() packersdk.Ui {
	return &packersdk.BasicUi{Reader: strings.NewReader(""), Writer: l, ErrorWriter: l, PB: &packersdk.NoopProgressTracker{}}
}
