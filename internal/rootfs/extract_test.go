package rootfs

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// needTool finds an external tool: missing, the test fails (is skipped
// under -short).
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		testrig.Missing(t, "%s not installed: %v", name, err)
	}
	return p
}

// snapshot records every path below root except skip: type, mode, link
// target, contents digest.
func snapshot(t *testing.T, root, skip string) map[string]string {
	t.Helper()
	s := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == skip {
			return filepath.SkipDir
		}
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		v := info.Mode().String()
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			v += " -> " + l
		case info.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			v += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		s[p] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGNUTarExtractionStaysInside extracts the output of hostile (accepted)
// layers with GNU tar into a directory next to sentinels and checks that
// nothing outside it changed.
func TestGNUTarExtractionStaysInside(t *testing.T) {
	tarBin := needTool(t, "tar")
	if v, err := exec.Command(tarBin, "--version").Output(); err != nil || !strings.Contains(string(v), "GNU tar") {
		testrig.Missing(t, "GNU tar (%s is %q: %v)", tarBin, v, err)
	}
	outer := t.TempDir()
	hostile := imageOf(t,
		layerOf(t,
			reg("etc/passwd", "root:x:0:0::/root:/bin/sh\n"),
			sym("hostetc", "/host-"+filepath.Base(outer)+"/etc"),
			sym("up", ".."), sym("upup", "../.."), sym("outer", outer),
			sym("sentinel-link", "../sentinel"),
		),
		layerOf(t,
			reg("hostetc/passwd", "pwned"),
			reg("up/sentinel", "pwned"), reg("upup/pwned", "pwned"),
			reg("outer/sentinel", "pwned"), reg("outer/victim/file", "pwned"),
			reg("sentinel-link", "pwned"),
			hard("pw", "/etc/passwd"), hard("pw2", "up/etc/passwd"),
		),
	)
	p := &Plan{
		Init:    []v1.Image{hostile},
		Bundles: []Bundle{{Dir: "containers/services/h", Image: hostile, ConfigJSON: []byte("{}")}},
		Files:   []File{{Path: "up/etc/from-files", Contents: []byte("x")}},
	}
	o := build(t, p)
	archive := filepath.Join(t.TempDir(), "out.tar")
	if err := os.WriteFile(archive, o.raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outer, "sentinel"), []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(outer, "victim"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outer, "victim", "file"), []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i, args := range [][]string{{"-x"}, {"-x", "--no-same-owner"}} {
		inner := filepath.Join(outer, fmt.Sprintf("root%d", i))
		if err := os.Mkdir(inner, 0o755); err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, outer, inner)
		cmd := exec.Command(tarBin, append(args, "-f", archive, "-C", inner)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("tar %v: %v\n%s", args, err, b)
		}
		after := snapshot(t, outer, inner)
		if fmt.Sprint(before) != fmt.Sprint(after) {
			t.Errorf("tar %v changed things outside the root:\nbefore %v\nafter  %v", args, before, after)
		}
		if _, err := os.Lstat("/host-" + filepath.Base(outer)); err == nil {
			t.Errorf("tar %v wrote through an absolute symlink", args)
		}
		for name, want := range map[string]string{
			"sentinel": "pwned", "host-" + filepath.Base(outer) + "/etc/passwd": "pwned", "pwned": "pwned",
			"pw": "root:x:0:0::/root:/bin/sh\n", "etc/from-files": "x",
			"containers/services/h/lower/sentinel": "pwned",
		} {
			b, err := os.ReadFile(filepath.Join(inner, name))
			if err != nil || string(b) != want {
				t.Errorf("tar %v: %s = %q, %v; want %q", args, name, b, err, want)
			}
		}
	}
}
