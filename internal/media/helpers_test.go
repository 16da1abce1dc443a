package media

import (
	"bytes"
	"crypto/sha256"
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
