package kernelinitrd

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/rootfs"
)

// image is a one-layer image holding files (name → content).
func image(t *testing.T, files map[string]string) v1.Image {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range []string{"kernel", "ucode.cpio", "etc/hello"} {
		body, ok := files[name]
		if !ok {
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestWriteKernelAndInitrd(t *testing.T) {
	ctx := context.Background()
	plan := &rootfs.Plan{
		Kernel: &rootfs.Kernel{Image: image(t, map[string]string{"kernel": "KERNEL", "ucode.cpio": "UCODE"}), Tar: "none", UCode: "ucode.cpio", Cmdline: "console=ttyS0"},
		Init:   []v1.Image{image(t, map[string]string{"etc/hello": "hello from init"})},
	}
	tree, err := rootfs.Index(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	var kernel bytes.Buffer
	if err := WriteKernel(ctx, &kernel, tree); err != nil {
		t.Fatal(err)
	}
	if kernel.String() != "KERNEL" {
		t.Errorf("kernel = %q", kernel.String())
	}
	var initrd bytes.Buffer
	if err := WriteInitrd(ctx, &initrd, tree, plan); err != nil {
		t.Fatal(err)
	}
	// The microcode comes first, uncompressed, then the gzipped cpio.
	rest, ok := bytes.CutPrefix(initrd.Bytes(), []byte("UCODE"))
	if !ok {
		t.Fatalf("initrd does not start with the microcode: %q", initrd.Bytes()[:min(16, initrd.Len())])
	}
	zr, err := gzip.NewReader(bytes.NewReader(rest))
	if err != nil {
		t.Fatal(err)
	}
	archive, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	cpio := string(archive)
	if !strings.HasPrefix(cpio, "070701") || !strings.Contains(cpio, "etc/hello") || !strings.Contains(cpio, "hello from init") {
		t.Errorf("initrd cpio lacks the init files (%d bytes)", len(archive))
	}
	if strings.Contains(cpio, "boot/kernel") || strings.Contains(cpio, "KERNEL") {
		t.Error("initrd holds boot/")
	}
	if plan.Cmdline() != "console=ttyS0" {
		t.Errorf("cmdline = %q", plan.Cmdline())
	}
}

func TestWriteKernelWithoutKernel(t *testing.T) {
	ctx := context.Background()
	plan := &rootfs.Plan{Init: []v1.Image{image(t, map[string]string{"etc/hello": "x"})}}
	tree, err := rootfs.Index(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	err = WriteKernel(ctx, io.Discard, tree)
	if err == nil || !strings.Contains(err.Error(), "no kernel") {
		t.Errorf("WriteKernel without a kernel: %v", err)
	}
	if plan.Cmdline() != "" {
		t.Errorf("cmdline without a kernel = %q", plan.Cmdline())
	}
}
