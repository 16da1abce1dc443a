package sbom

import (
	"bytes"
	"context"
	"io"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/rootfs"
)

// imageOf is a one-layer image whose layer is data (a tar).
func imageOf(t *testing.T, data []byte) v1.Image {
	t.Helper()
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

// TestScanRootfsStream scans the tar stream rootfs.Write produces for
// fixture images carrying a dpkg and an apk database and a Go binary, the
// way the builder tees the stream it already writes.
func TestScanRootfsStream(t *testing.T) {
	exe := goBinary(t)
	deb := imageOf(t, tarOf(t, "etc/os-release", "ID=debian\n", "var/lib/dpkg/status", dpkgFixture))
	alp := imageOf(t, tarOf(t, "etc/os-release", "ID=alpine\n", "lib/apk/db/installed", apkFixture))
	plan := &rootfs.Plan{
		Bundles: []rootfs.Bundle{
			{Dir: "containers/onboot/000-deb", Image: deb, ConfigJSON: []byte("{}"), Readonly: true},
			{Dir: "containers/services/alp", Image: alp, ConfigJSON: []byte("{}")},
		},
		Files: []rootfs.File{{Path: "usr/bin/tool", Mode: 0o755, Open: func() (io.ReadCloser, int64, error) {
			f, err := os.Open(exe)
			if err != nil {
				return nil, 0, err
			}
			fi, err := f.Stat()
			return f, fi.Size(), err
		}}},
	}
	var written bytes.Buffer // what the builder would write to its output
	sc := NewStreamScanner(context.Background(), Limits{})
	if err := rootfs.Write(context.Background(), io.MultiWriter(&written, sc), plan); err != nil {
		t.Fatal(err)
	}
	res, err := sc.Close()
	if err != nil {
		t.Fatal(err)
	}
	var os, golang []string
	for _, p := range res.Packages {
		if p.Type == "golang" {
			golang = append(golang, p.Name)
			continue
		}
		os = append(os, purl(p)+" in "+strings.Join(p.Locations, ","))
	}
	want := []string{
		"pkg:apk/alpine/busybox@1.37.0-r12?arch=x86_64 in containers/services/alp/lower/lib/apk/db/installed",
		"pkg:apk/alpine/musl@1.2.5-r9?arch=x86_64 in containers/services/alp/lower/lib/apk/db/installed",
		"pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64 in containers/onboot/000-deb/rootfs/var/lib/dpkg/status",
		"pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=amd64 in containers/onboot/000-deb/rootfs/var/lib/dpkg/status",
	}
	if !reflect.DeepEqual(os, want) {
		t.Errorf("packages:\n got %q\nwant %q", os, want)
	}
	if !strings.Contains(strings.Join(golang, " "), "github.com/spdx/tools-golang") {
		t.Errorf("go modules %q miss the binary's dependency", golang)
	}
	// Scanning the same stream again gives the same result.
	again, err := Scan(context.Background(), bytes.NewReader(written.Bytes()), Limits{})
	if err != nil || !reflect.DeepEqual(again, res) {
		t.Errorf("second scan differs: %v", err)
	}
}

// hugeTar streams a tar with one status file of size bytes without
// holding it: a few packages, then one endless field.
func hugeTar(t *testing.T, size int64) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		head := "Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nVersion: "
		var hdr bytes.Buffer
		tarHeader(&hdr, "var/lib/dpkg/status", size)
		if _, err := pw.Write(hdr.Bytes()); err != nil {
			return
		}
		chunk := bytes.Repeat([]byte("9"), 1<<16)
		n := int64(len(head))
		if _, err := io.WriteString(pw, head); err != nil {
			return
		}
		for n < size {
			c := chunk
			if size-n < int64(len(c)) {
				c = c[:size-n]
			}
			if _, err := pw.Write(c); err != nil {
				return
			}
			n += int64(len(c))
		}
		pad := (512 - size%512) % 512
		_, _ = pw.Write(make([]byte, pad+1024))
		pw.Close()
	}()
	return pr
}

func TestScanHugeStatusBoundedMemory(t *testing.T) {
	size := int64(256 << 20)
	if testing.Short() {
		size = 32 << 20
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := Scan(context.Background(), hugeTar(t, size), Limits{})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Packages) != 2 || res.Packages[0].Version != "1" || res.Packages[1].Name != "b" || res.Packages[1].Version != "" {
		t.Errorf("packages %+v, want a@1 and b without its overlong version", res.Packages)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("scanning a %d MiB status file allocated %d MiB", size>>20, alloc>>20)
	}
}

// TestStreamScannerNeverBlocks writes garbage and more after it: the
// writer must not block once the scan has failed, and Close reports it.
func TestStreamScannerNeverBlocks(t *testing.T) {
	sc := NewStreamScanner(context.Background(), Limits{})
	junk := bytes.Repeat([]byte{0xff}, 1<<20)
	for i := 0; i < 4; i++ {
		if _, err := sc.Write(junk); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sc.Close(); err == nil {
		t.Error("a stream that is not a tar scanned without error")
	}
}
