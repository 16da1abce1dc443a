package media

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// hostBootFiles returns the host's syslinux files (Debian: packages isolinux, syslinux-common).
func hostBootFiles(t testing.TB) BootFiles {
	t.Helper()
	b, err := FindBootFiles("", nil)
	if err != nil {
		testrig.Missing(t, "syslinux boot files: %v", err)
	}
	return b
}

// randomFile writes size deterministic pseudo-random bytes (seeded by name) to dir/name.
func randomFile(t testing.TB, dir, name string, size int64) string {
	t.Helper()
	var seed [32]byte
	copy(seed[:], name)
	r := rand.NewChaCha8(seed)
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.CopyN(f, r, size); err != nil {
		t.Fatal(err)
	}
	return p
}

// isoFile describes a host file, failing the test on error.
func isoFile(t testing.TB, path string) ISOFile {
	t.Helper()
	f, err := FileFromPath(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// writeISOFile writes an iso-bios image to path.
func writeISOFile(t testing.TB, path string, kernel, initrd ISOFile, opts ISOOptions) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteISOBIOS(f, kernel, initrd, opts); err != nil {
		f.Close()
		t.Fatalf("WriteISOBIOS: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// sha256File returns a file's sha256 in hex.
func sha256File(t testing.TB, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// run runs a host command and returns its combined output, failing the test on error.
func run(t testing.TB, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// staticBusybox returns Debian's busybox-static binary.
func staticBusybox(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		if isStaticELF(p) {
			return p
		}
	}
	testrig.Missing(t, "a static busybox (apt-get install busybox-static)")
	return ""
}

// isStaticELF reports whether p is an ELF executable without a program interpreter, i.e. one
// that runs in an initrd without shared libraries.
func isStaticELF(p string) bool {
	f, err := elf.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}

// buildInitrd builds, with the host's cpio and gzip, a tiny initramfs whose /init mounts
// devtmpfs (so no device node, and no root, is needed to build it), prints marker on the console
// and powers off.
func buildInitrd(t testing.TB, marker string) string {
	t.Helper()
	testrig.Require(t, "cpio", "gzip", "find", "sort", "sh")
	busybox := staticBusybox(t)
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	for _, d := range []string{"bin", "dev", "proc", "sys"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin", "busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	// The marker is split in the script so that only running it prints the whole string.
	half := len(marker) / 2
	init := "#!/bin/busybox sh\n" +
		"/bin/busybox mount -t devtmpfs devtmpfs /dev\n" +
		"exec </dev/console >/dev/console 2>&1\n" +
		"a='" + marker[:half] + "'; b='" + marker[half:] + "'\n" +
		"echo \"$a$b\"\n" +
		"/bin/busybox poweroff -f\n"
	if err := os.WriteFile(filepath.Join(root, "init"), []byte(init), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "initrd.img")
	run(t, root, "sh", "-c", "find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -n -9 > "+out)
	return out
}

// isoSize returns the exact number of bytes WriteISOBIOS writes for these inputs.
func isoSize(kernel, initrd ISOFile, opts ISOOptions) (int64, error) {
	p, err := planBIOS(kernel, initrd, opts)
	if err != nil {
		return 0, err
	}
	return p.layout.size(), nil
}

// rawBIOSSize returns the size of the raw-bios disk WriteRawBIOS writes for these inputs.
func rawBIOSSize(kernel, initrd ISOFile, opts RawOptions) (int64, error) {
	p, err := planBIOS(kernel, initrd, opts.ISOOptions)
	if err != nil {
		return 0, err
	}
	return rawDiskSize(p.layout.size(), opts.DiskSize)
}
