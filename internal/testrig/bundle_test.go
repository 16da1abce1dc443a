package testrig

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// extractImage writes an image's flattened filesystem below dir (test helper: no ownership).
func extractImage(t testing.TB, img v1.Image, dir string) {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	if err := extractTar(rc, dir); err != nil {
		t.Fatalf("extract image into %s: %v", dir, err)
	}
}

// extractTar unpacks regular files, directories, symlinks and hard links below dir.
func extractTar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read tar: %w", err)
		}
		name := filepath.Clean("/" + hdr.Name)
		if name == "/" {
			continue
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("mkdir parent: %w", err)
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, os.FileMode(hdr.Mode).Perm()); err != nil {
				return fmt.Errorf("mkdir: %w", err)
			}
		case tar.TypeReg:
			f, err := os.OpenFile(p, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, os.FileMode(hdr.Mode).Perm())
			if err != nil {
				return fmt.Errorf("create: %w", err)
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("write %s: %w", name, err)
			}
		case tar.TypeSymlink:
			if err := os.Symlink(hdr.Linkname, p); err != nil {
				return fmt.Errorf("symlink: %w", err)
			}
		case tar.TypeLink:
			if err := os.Link(filepath.Join(dir, filepath.Clean("/"+hdr.Linkname)), p); err != nil {
				return fmt.Errorf("hard link: %w", err)
			}
		}
	}
}

// bundleConfig is a hand-written OCI config.json in the shape of `runc spec`, with one
// capability, no terminal and a fresh UTS namespace so the hostname is the container's.
func bundleConfig(t testing.TB, hostname string, readonly bool, args []string, extra ...specs.Mount) []byte {
	caps := []string{"CAP_NET_BIND_SERVICE"}
	spec := specs.Spec{
		Version: "1.0.2",
		Process: &specs.Process{
			Args: args,
			Env:  []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"},
			Cwd:  "/",
			Capabilities: &specs.LinuxCapabilities{
				Bounding: caps, Effective: caps, Permitted: caps, Ambient: caps,
			},
			NoNewPrivileges: true,
		},
		Root:     &specs.Root{Path: "rootfs", Readonly: readonly},
		Hostname: hostname,
		Mounts: append([]specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		}, extra...),
		Linux: &specs.Linux{
			Resources: &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}},
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace}, {Type: specs.MountNamespace},
			},
			MaskedPaths:   []string{"/proc/kcore", "/proc/keys", "/sys/firmware"},
			ReadonlyPaths: []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
		},
	}
	b, err := json.MarshalIndent(spec, "", "\t")
	if err != nil {
		t.Fatalf("marshal config.json: %v", err)
	}
	return b
}

// writeBundle lays out a LinuxKit bundle: config.json, runtime.json and the image in rootfs/
// (readonly) or in lower/ with empty tmp/ and rootfs/ (overlay). A nil img is linuxkit's
// "extracted elsewhere" case: only the mount points, runtime.json points at the first copy.
func writeBundle(t testing.TB, dir string, img v1.Image, config []byte, readonly bool, runtime string) {
	t.Helper()
	dirs := []string{"rootfs"}
	if !readonly {
		dirs = append(dirs, "tmp")
	}
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if img != nil {
		root := filepath.Join(dir, "rootfs")
		if !readonly {
			root = filepath.Join(dir, "lower")
		}
		if err := os.MkdirAll(root, 0o755); err != nil {
			t.Fatal(err)
		}
		extractImage(t, img, root)
	}
	for name, data := range map[string]string{"config.json": string(config), "runtime.json": runtime} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// bindRuntime is linuxkit's runtime.json for a readonly bundle: rootfs bound from src (itself,
// or the bundle where the image was first extracted), plus mkdir entries, indented as linuxkit
// writes it.
func bindRuntime(bundle, src string, mkdir ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{\n    \"mounts\": [\n        {\n            \"destination\": \"/%s/rootfs\",\n", bundle)
	fmt.Fprintf(&b, "            \"source\": \"/%s/rootfs\",\n            \"options\": [\n                \"bind\"\n            ]\n        }\n    ]", src)
	if len(mkdir) > 0 {
		fmt.Fprintf(&b, ",\n    \"mkdir\": [\n        \"%s\"\n    ]", strings.Join(mkdir, "\",\n        \""))
	}
	b.WriteString("\n}")
	return b.String()
}

// overlayRuntime is linuxkit's runtime.json for an overlay bundle whose lower/ lives in src.
func overlayRuntime(bundle, src string) string {
	return fmt.Sprintf(`{"mounts":[{"destination":"/%[1]s/tmp","type":"tmpfs","source":"tmpfs"},`+
		`{"destination":"/%[1]s/tmp","options":["remount","private"]},`+
		`{"destination":"/%[1]s/rootfs","type":"overlay","source":"overlay","options":`+
		`["lowerdir=/%[2]s/lower","upperdir=/%[1]s/tmp/upper","workdir=/%[1]s/tmp/work"]}]}`, bundle, src)
}

// shellArgs is the container command: busybox sh -c with lines joined by "; ".
func shellArgs(lines ...string) []string {
	return []string{"/bin/sh", "-c", strings.Join(lines, "; ")}
}
