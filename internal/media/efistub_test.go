package media

import (
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/uki"
)

// stubsFor returns the host's amd64 stub and a copy relabelled as arm64 (its COFF machine
// patched), enough for the resolution rules, which check the machine type.
func stubsFor(t *testing.T) (amd64, arm64 []byte) {
	t.Helper()
	amd64 = hostEFIStub(t, "amd64").Data
	arm64 = append([]byte(nil), amd64...)
	binary.LittleEndian.PutUint16(arm64[binary.LittleEndian.Uint32(arm64[0x3c:])+4:], uki.MachineARM64)
	return amd64, arm64
}

// stubDir writes files (name → bytes) into a new folder.
func stubDir(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type hostDirs = []struct{ label, dir string }

func TestFindEFIStub(t *testing.T) {
	amd64, arm64 := stubsFor(t)
	both := stubDir(t, map[string][]byte{"linuxx64.efi.stub": amd64, "linuxaa64.efi.stub": arm64})
	empty := t.TempDir()
	host := hostDirs{{"empty", empty}, {"host", both}}

	s, err := findEFIStub("arm64", both, host, nil)
	if err != nil || s.Arch != "arm64" || s.Source != filepath.Join(both, "linuxaa64.efi.stub") {
		t.Fatalf("bootloader_dir: %+v, %v", s.Source, err)
	}
	if sum := s.Sums()["linuxaa64.efi.stub"]; len(sum) != 64 {
		t.Errorf("Sums() = %v", s.Sums())
	}
	// A bootloader_dir without the stub is an error, never a silent fallback to the host.
	if _, err := findEFIStub("amd64", empty, host, nil); err == nil || !strings.Contains(err.Error(), "bootloader_dir") {
		t.Errorf("empty bootloader_dir: %v", err)
	}
	// A stub of the wrong architecture under the right name is refused.
	wrong := stubDir(t, map[string][]byte{"linuxaa64.efi.stub": amd64})
	if _, err := findEFIStub("arm64", wrong, host, nil); err == nil || !strings.Contains(err.Error(), "machine") {
		t.Errorf("amd64 stub as linuxaa64.efi.stub: %v", err)
	}
	// Host folders in order: the first holding a valid stub wins.
	if s, err := findEFIStub("amd64", "", host, nil); err != nil || s.Source != filepath.Join(both, "linuxx64.efi.stub") {
		t.Errorf("host folders: %q, %v", s.Source, err)
	}
	// Then the image, under usr/lib/systemd/boot/efi.
	image := &BootImage{Ref: "example/stub:1", Open: func() (fs.FS, error) {
		return fstest.MapFS{EFIStubImageDir + "/linuxaa64.efi.stub": {Data: arm64}}, nil
	}}
	s, err = findEFIStub("arm64", "", hostDirs{{"empty", empty}}, image)
	if err != nil || s.Source != "example/stub:1:/"+EFIStubImageDir+"/linuxaa64.efi.stub" {
		t.Errorf("image: %q, %v", s.Source, err)
	}
	// Nothing anywhere: the error says what was tried and how to install the stub.
	_, err = findEFIStub("amd64", "", hostDirs{{"empty", empty}}, nil)
	for _, want := range []string{"linuxx64.efi.stub", "systemd-boot-efi", "empty:", "bootloader_image: not configured"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("nothing found: error lacks %q: %v", want, err)
		}
	}
	if _, err := FindEFIStub("riscv64", "", nil); err == nil || !strings.Contains(err.Error(), "amd64 or arm64") {
		t.Errorf("riscv64: %v", err)
	}
	// An image of one arch refuses the other's stub.
	if err := WriteRawEFI(nil, ISOFile{}, ISOFile{}, EFIOptions{Arch: "amd64", Stub: s}); err == nil || !strings.Contains(err.Error(), "stub") {
		t.Errorf("an arm64 stub for an amd64 image: %v", err)
	}
}
