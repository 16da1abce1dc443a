package linuxkit_test

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

type tarEntry struct {
	name, link, body string
	typ              byte
}

// hostileImage appends one layer per entry list to a fixture image.
func hostileImage(t *testing.T, layers ...[]tarEntry) v1.Image {
	t.Helper()
	img := testrig.ServiceImage(t, "hostile")
	for _, entries := range layers {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, e := range entries {
			h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: 0o644, Size: int64(len(e.body))}
			if e.typ != tar.TypeReg {
				h.Size = 0
			}
			if err := tw.WriteHeader(h); err != nil {
				t.Fatal(err)
			}
			if h.Size > 0 {
				_, _ = tw.Write([]byte(e.body))
			}
		}
		_ = tw.Close()
		data := buf.Bytes()
		layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, layer); err != nil {
			t.Fatal(err)
		}
	}
	return img
}

// TestPackerBuildHostileLayers: image layers are an attack surface. A layer
// that climbs out with ".." fails the build with an error naming the entry and
// leaves nothing behind; a symlink followed by a write through it, and a
// hardlink to /etc/passwd, stay inside the image: extracting our tar with GNU
// tar changes nothing outside the extraction directory.
func TestPackerBuildHostileLayers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real packer binary")
	}
	testrig.Require(t, "tar")
	reg := testrig.StartRegistry(t)
	p := testrig.NewPacker(t)
	outside := t.TempDir() // what an escape would hit
	sentinel := filepath.Join(outside, "passwd")
	if err := os.WriteFile(sentinel, []byte("untouched\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	escape := reg.Push(t, reg.Ref("evil/escape:1"), hostileImage(t, []tarEntry{
		{name: "../../../../" + strings.TrimPrefix(outside, "/") + "/escaped", typ: tar.TypeReg, body: "x"},
	}))
	through := reg.Push(t, reg.Ref("evil/through:1"), hostileImage(t,
		[]tarEntry{{name: "etc", link: outside, typ: tar.TypeSymlink}},
		[]tarEntry{
			{name: "etc/passwd", typ: tar.TypeReg, body: "pwned\n"},
			{name: "steal", link: "/etc/passwd", typ: tar.TypeLink},
		}))
	_ = escape
	_ = through

	template := func(ref, out string) string {
		return fmt.Sprintf(`
source "linuxkit" "evil" {
  spec = <<EOT
onboot:
  - name: evil
    image: %s
EOT
  formats             = ["tar"]
  output_name         = "lk"
  output_directory    = "%s"
  cache_dir           = "${path.root}/cache"
  insecure_registries = ["%s"]
}
build { sources = ["source.linuxkit.evil"] }
`, ref, out, reg.Host)
	}

	p.WriteFile(t, "escape.pkr.hcl", template(reg.Ref("evil/escape:1"), "out-escape"))
	r := p.Run(t, "build", "-color=false", "escape.pkr.hcl")
	if r.ExitCode == 0 {
		t.Fatalf("a layer escaping with .. was accepted:\n%s", r.Output)
	}
	if !strings.Contains(r.Output, "escaped") || strings.Contains(r.Output, "panic") {
		t.Errorf("the error should name the entry, without a panic:\n%s", r.Output)
	}
	if _, err := os.Stat(filepath.Join(p.Dir, "out-escape")); !os.IsNotExist(err) {
		t.Errorf("the failed build left its output directory behind (%v)", err)
	}

	p.WriteFile(t, "through.pkr.hcl", template(reg.Ref("evil/through:1"), "out-through"))
	if r := p.Run(t, "build", "-color=false", "through.pkr.hcl"); r.ExitCode != 0 {
		t.Fatalf("packer build of the symlink/hardlink image: exit %d\n%s", r.ExitCode, r.Output)
	}
	extract := filepath.Join(t.TempDir(), "root")
	if err := os.MkdirAll(extract, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("tar", "-x", "--no-same-owner", "-f", filepath.Join(p.Dir, "out-through", "lk.tar"), "-C", extract)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GNU tar -x of our output: %v\n%s", err, out)
	}
	if got, _ := os.ReadFile(sentinel); string(got) != "untouched\n" {
		t.Fatalf("a file outside the extraction directory changed: %q", got)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Errorf("files appeared outside the extraction directory: %v", entries)
	}
}
