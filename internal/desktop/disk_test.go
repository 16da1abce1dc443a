package desktop

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// requireTool returns the path of an external tool, skipping the test when
// it is missing only under -short: outside it a missing tool is a failure.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		testrig.Missing(t, "%s not found: %v", name, err)
	}
	return p
}

func TestCreateDiskQemuImg(t *testing.T) {
	qemuImg := requireTool(t, "qemu-img")
	dir := t.TempDir()
	for _, size := range []int64{10 << 20, 10 << 30} {
		path := filepath.Join(dir, "extra.vmdk")
		if err := CreateDisk(path, size); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(qemuImg, "check", "-f", "vmdk", path).CombinedOutput(); err != nil {
			t.Fatalf("qemu-img check: %v\n%s", err, out)
		}
		out, err := exec.Command(qemuImg, "info", "-f", "vmdk", "--output=json", path).Output()
		if err != nil {
			t.Fatalf("qemu-img info: %v", err)
		}
		var info struct {
			VirtualSize    int64 `json:"virtual-size"`
			Format         string
			FormatSpecific struct {
				Data struct {
					CreateType string `json:"create-type"`
				}
			} `json:"format-specific"`
		}
		if err := json.Unmarshal(out, &info); err != nil {
			t.Fatal(err)
		}
		if info.VirtualSize != size || info.Format != "vmdk" || info.FormatSpecific.Data.CreateType != "monolithicSparse" {
			t.Fatalf("size %d: qemu-img info: %s", size, out)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > 4<<20 {
			t.Errorf("an empty %d-byte disk takes %d bytes: not sparse", size, fi.Size())
		}
		t.Logf("empty %d MiB disk: %d bytes on disk", size>>20, fi.Size())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// TestCreateDiskWritable writes into the empty disk through QEMU's own VMDK
// driver, as a guest would, and checks the disk stays consistent and reads
// back what was written.
func TestCreateDiskWritable(t *testing.T) {
	qemuImg := requireTool(t, "qemu-img")
	qemuIO := requireTool(t, "qemu-io")
	path := filepath.Join(t.TempDir(), "data.vmdk")
	if err := CreateDisk(path, 8<<20); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]string{
		{qemuIO, "-f", "vmdk", "-c", "write -P 0xab 3M 128k", path},
		{qemuImg, "check", "-f", "vmdk", path},
		{qemuIO, "-f", "vmdk", "-c", "read -P 0xab 3M 128k", "-c", "read -P 0 0 3M", path},
	} {
		out, err := exec.Command(c[0], c[1:]...).CombinedOutput()
		if err != nil || strings.Contains(string(out), "Pattern verification failed") {
			t.Fatalf("%q: %v\n%s", c, err, out)
		}
	}
}

func TestCreateDiskDescriptorNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data1.vmdk")
	if err := CreateDisk(path, 1<<20); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `SPARSE "data1.vmdk"`) {
		t.Errorf("descriptor does not name data1.vmdk")
	}
}

func TestCreateDiskErrors(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int64{0, -512, 1000} {
		if err := CreateDisk(filepath.Join(dir, "x.vmdk"), size); err == nil {
			t.Errorf("CreateDisk(size %d) succeeded", size)
		}
	}
	if err := CreateDisk(filepath.Join(dir, "missing", "x.vmdk"), 1<<20); err == nil {
		t.Errorf("CreateDisk into a missing folder succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}
}
