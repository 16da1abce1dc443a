package assemble

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/spec"
)

// testImage is a one-layer image whose config carries cfg (labels, Cmd...).
func testImage(t *testing.T, cfg v1.Config) v1.Image {
	t.Helper()
	layer, err := random.Layer(64, "application/vnd.oci.image.layer.v1.tar")
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	img, err = mutate.ConfigFile(img, &v1.ConfigFile{Architecture: "amd64", OS: "linux", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// lookup serves the images of a test by reference and fails on any other.
func lookup(imgs map[string]v1.Image) Images {
	return func(ref string) (v1.Image, error) {
		if img, ok := imgs[ref]; ok {
			return img, nil
		}
		return nil, fmt.Errorf("image %s not in the test cache", ref)
	}
}

func parse(t *testing.T, name, yml string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse(name, []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPlanLayout(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "src.txt"), []byte("from the host"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := parse(t, filepath.Join(dir, "lk.yml"), `
kernel:
  image: kern:1
  cmdline: console=ttyS0
  tar: ""
  ucode: intel-ucode.cpio
init: [init:1]
onboot:
  - name: x
    image: ro:1
services:
  - name: y
    image: svc:1
volumes:
  - name: v
    image: vol:1
    readonly: true
  - name: empty
files:
  - path: etc/a
    contents: hi
    mode: "0640"
    uid: y
    gid: x
  - path: etc/meta.yml
    metadata: yaml
  - path: etc/src
    source: data/src.txt
  - path: var/d
    directory: true
`)
	ro := testImage(t, v1.Config{Cmd: []string{"/bin/true"}, Labels: map[string]string{spec.LabelKey: `{"readonly": true}`}})
	svc := testImage(t, v1.Config{Cmd: []string{"/bin/sh"}})
	imgs := map[string]v1.Image{
		"kern:1": testImage(t, v1.Config{}), "init:1": testImage(t, v1.Config{}),
		"ro:1": ro, "svc:1": svc, "vol:1": testImage(t, v1.Config{}),
	}
	p, err := Plan(s, lookup(imgs), Options{})
	if err != nil {
		t.Fatal(err)
	}

	k := p.Kernel
	if k == nil || k.Image != imgs["kern:1"] || k.Tar != "none" || k.UCode != "intel-ucode.cpio" || k.Cmdline != "console=ttyS0" || k.Binary != "" {
		t.Errorf("kernel = %+v", k)
	}
	if len(p.Init) != 1 || p.Init[0] != imgs["init:1"] || !p.ModTime.IsZero() {
		t.Errorf("init = %v, mtime %v", p.Init, p.ModTime)
	}
	if len(p.Volumes) != 2 || p.Volumes[0].Name != "v" || p.Volumes[0].Image != imgs["vol:1"] || !p.Volumes[0].Readonly ||
		p.Volumes[1].Name != "empty" || p.Volumes[1].Image != nil || p.Volumes[1].Readonly {
		t.Errorf("volumes = %+v", p.Volumes)
	}

	if len(p.Bundles) != 2 {
		t.Fatalf("%d bundles", len(p.Bundles))
	}
	b0, b1 := p.Bundles[0], p.Bundles[1]
	if b0.Dir != "containers/onboot/000-x" || b0.Image != ro || !b0.Readonly {
		t.Errorf("onboot bundle = %s %v readonly=%v", b0.Dir, b0.Image == ro, b0.Readonly)
	}
	if b1.Dir != "containers/services/y" || b1.Image != svc || b1.Readonly {
		t.Errorf("service bundle = %s %v readonly=%v", b1.Dir, b1.Image == svc, b1.Readonly)
	}
	var cfg struct {
		Process struct{ Args []string }
		Root    struct{ Readonly bool }
	}
	if err := json.Unmarshal(b0.ConfigJSON, &cfg); err != nil || !cfg.Root.Readonly || strings.Join(cfg.Process.Args, " ") != "/bin/true" {
		t.Errorf("onboot config.json (%v):\n%s", err, b0.ConfigJSON)
	}
	// No runtime section anywhere: runtime.json still carries every field,
	// empty, as linuxkit writes it; rootfs prepends the rootfs mounts.
	if b1.Runtime == nil {
		t.Fatal("service bundle has no runtime config")
	}
	runtimeJSON, err := b1.Runtime.JSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	var rt map[string]json.RawMessage
	if err := json.Unmarshal(runtimeJSON, &rt); err != nil || string(rt["mounts"]) != "[]" || string(rt["mkdir"]) != "[]" || rt["bindNS"] == nil {
		t.Errorf("service runtime.json (%v): %s", err, runtimeJSON)
	}

	if len(p.Files) != 4 {
		t.Fatalf("%d files", len(p.Files))
	}
	a := p.Files[0]
	if a.Path != "etc/a" || string(a.Contents) != "hi" || a.Mode != 0o640 || a.UID != 101 || a.GID != 100 {
		t.Errorf("etc/a = %+v (uid by container name: onboot x is 100, service y 101)", a)
	}
	canonical, err := s.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if m := p.Files[1]; m.Path != "etc/meta.yml" || string(m.Contents) != string(canonical) || !strings.Contains(string(m.Contents), "image: docker.io/library/svc:1") {
		t.Errorf("metadata file = %q, want the canonical spec", m.Contents)
	}
	src := p.Files[2]
	if src.Open == nil || src.Contents != nil {
		t.Fatalf("source file = %+v", src)
	}
	rc, size, err := src.Open()
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(rc)
	_ = rc.Close()
	if err != nil || string(body) != "from the host" || size != int64(len(body)) {
		t.Errorf("source read %q size %d (%v)", body, size, err)
	}
	if d := p.Files[3]; !d.Directory || d.Mode != 0 || d.Open != nil || d.Contents != nil {
		t.Errorf("directory entry = %+v", d)
	}
}

func TestPlanKernelTar(t *testing.T) {
	imgs := map[string]v1.Image{"kern:1": testImage(t, v1.Config{})}
	for _, tc := range []struct{ field, want string }{
		{"", ""}, // unset: rootfs's default kernel.tar
		{"  tar: \"\"\n", "none"},
		{"  tar: none\n", "none"},
		{"  tar: mods.tar\n", "mods.tar"},
	} {
		p, err := Plan(parse(t, "k.yml", "kernel:\n  image: kern:1\n"+tc.field), lookup(imgs), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Kernel.Tar != tc.want || p.Kernel.UCode != "" {
			t.Errorf("%q: tar %q ucode %q, want tar %q", tc.field, p.Kernel.Tar, p.Kernel.UCode, tc.want)
		}
	}
	p, err := Plan(parse(t, "k.yml", "init: [init:1]\n"), lookup(map[string]v1.Image{"init:1": imgs["kern:1"]}), Options{})
	if err != nil || p.Kernel != nil {
		t.Errorf("no kernel section: %+v %v", p, err)
	}
}

func TestPlanErrors(t *testing.T) {
	imgs := map[string]v1.Image{"img:1": testImage(t, v1.Config{})}
	for _, tc := range []struct{ yml, want string }{
		{"volumes:\n  - name: v\n    image: img:1\n    format: oci\n", `volumes: v: format "oci" is not supported`},
		{"volumes:\n  - name: v\n    image: gone:1\n", "volumes: v: image gone:1 not in the test cache"},
		{"kernel:\n  image: gone:1\n", "kernel gone:1: image gone:1 not in the test cache"},
		{"init: [img:1, gone:1]\n", "init[1] gone:1:"},
		{"services:\n  - name: s\n    image: gone:1\n", "services[0] s: image gone:1"},
		{"services:\n  - name: s\n    image: img:1\n    uid: nobody\n", "services[0] s:"},
		{"files:\n  - path: f\n    contents: x\n    uid: nobody\n", "files[0] f: uid: cannot find id: nobody"},
	} {
		_, err := Plan(parse(t, "e.yml", tc.yml), lookup(imgs), Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.yml, err, tc.want)
		}
	}
}

func TestPlanSourceNotRegular(t *testing.T) {
	dir := t.TempDir()
	s := parse(t, filepath.Join(dir, "lk.yml"), "files:\n  - path: f\n    source: .\n")
	p, err := Plan(s, lookup(nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Files[0].Open(); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("opening a directory as a source: %v", err)
	}
}

// TestPlanFilesSayWhere: each files entry carries the place its spec file
// wrote it, so rootfs errors name file:line rather than an index into the
// merged spec.
func TestPlanFilesSayWhere(t *testing.T) {
	p, err := Plan(parse(t, "w.yml", "files:\n  - path: a\n    contents: x\n  - path: b\n    directory: true\n"), lookup(nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 2 || p.Files[0].Where != "w.yml:2:5: files[0]" || p.Files[1].Where != "w.yml:4:5: files[1]" {
		t.Errorf("files: %+v", p.Files)
	}
}
