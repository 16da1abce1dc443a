package ovf

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWriteOVA checks the archive: members in the given order with fixed
// headers, content intact, the same bytes twice, and a short file refused.
func TestWriteOVA(t *testing.T) {
	files := []File{Bytes("b.ovf", []byte("<Envelope/>")), Bytes("b.mf", []byte("m\n")), Bytes("a.vmdk", bytes.Repeat([]byte{7}, 1000))}
	mt := time.Unix(1700000000, 5e8)
	var x, y bytes.Buffer
	if err := WriteOVA(&x, mt, files...); err != nil {
		t.Fatal(err)
	}
	if err := WriteOVA(&y, mt, files...); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x.Bytes(), y.Bytes()) {
		t.Error("two OVAs of the same files differ")
	}
	tr := tar.NewReader(bytes.NewReader(x.Bytes()))
	for i := 0; ; i++ {
		h, err := tr.Next()
		if err == io.EOF {
			if i != len(files) {
				t.Errorf("%d members, want %d", i, len(files))
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name != files[i].Name || h.Size != files[i].Size || h.Mode != 0o644 || h.Uid != 0 || h.Gid != 0 ||
			!h.ModTime.Equal(time.Unix(1700000000, 0)) || h.Format != tar.FormatUSTAR || len(h.PAXRecords) != 0 {
			t.Errorf("member %d: %+v", i, h)
		}
	}
	short := File{Name: "s", Size: 10, Open: Bytes("s", []byte("123")).Open}
	if err := WriteOVA(io.Discard, mt, short); err == nil || !strings.Contains(err.Error(), "read 3 bytes, want 10") {
		t.Errorf("short file: %v", err)
	}
	if err := WriteOVA(io.Discard, mt, Bytes("d/x", nil)); err == nil {
		t.Error("a member name with a slash was accepted")
	}
}

// TestManifest checks the manifest with the real sha256sum -c, and that a
// changed file fails it.
func TestManifest(t *testing.T) {
	dir := t.TempDir()
	var files []File
	for name, body := range map[string]string{"x.ovf": "<Envelope/>", "x-disk1.vmdk": "disk"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, Bytes(name, []byte(body)))
	}
	mf, err := Manifest(files...)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x.mf"), mf, 0o644); err != nil {
		t.Fatal(err)
	}
	check := func() error {
		cmd := exec.Command("sha256sum", "-c", "--strict", "x.mf")
		cmd.Dir = dir
		return cmd.Run()
	}
	if err := check(); err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, mf)
	}
	if err := os.WriteFile(filepath.Join(dir, "x.ovf"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	if check() == nil {
		t.Error("sha256sum -c accepted a changed file")
	}
}
