package vmware

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/builder/linuxkit"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
)

// TestInputNamesMatchTheBuilder keeps the state keys and formats read here
// equal to the ones the linuxkit builder publishes.
func TestInputNamesMatchTheBuilder(t *testing.T) {
	for _, pair := range [][2]string{
		{inputStateName, artifact.StateName},
		{inputStateSpecDigest, artifact.StateSpecDigest},
		{inputStateFormats, artifact.StateFormats},
		{inputStateFirmware, artifact.StateFirmware},
		{formatKernelInitrd, linuxkit.FormatKernelInitrd},
		{formatISOBIOS, linuxkit.FormatISOBIOS},
		{formatVMDK, linuxkit.FormatVMDK},
	} {
		if pair[0] != pair[1] {
			t.Errorf("post-processor reads %q, the builder writes %q", pair[0], pair[1])
		}
	}
}

// TestReadArtifactInput decodes the builder's state in both shapes: in
// process (map[string]string) and after Packer's RPC
// (map[interface{}]interface{}), and from the builder's own Artifact type.
func TestReadArtifactInput(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "lk-cmdline"), []byte("console=tty0 console=ttyS0,115200 quiet\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	formats := map[string]string{"vmdk": filepath.Join(dir, "lk.vmdk"), "kernel+initrd": filepath.Join(dir, "lk-kernel")}
	for _, rpc := range []bool{false, true} {
		in, err := readArtifactInput(dtInput("lk", formats, rpc))
		if err != nil {
			t.Fatalf("rpc=%v: %v", rpc, err)
		}
		if in.Name != "lk" || in.SpecDigest != dtSpecDigest || in.Firmware != "bios" || len(in.Formats) != 2 || in.Formats["vmdk"] != formats["vmdk"] {
			t.Errorf("rpc=%v: %+v", rpc, in)
		}
		if got := in.FormatNames(); got != "kernel+initrd, vmdk" {
			t.Errorf("FormatNames() = %q", got)
		}
		cmdline, ok, err := in.Cmdline()
		if err != nil || !ok || !hasSerialConsole(cmdline) {
			t.Errorf("Cmdline() = %q, %v, %v", cmdline, ok, err)
		}
	}

	in, err := readArtifactInput(&linuxkit.Artifact{OutputName: "b", SpecDigest: dtSpecDigest, Formats: map[string]string{"iso-bios": "/x/b.iso"}, Cmdline: "console=ttyS0 quiet"})
	if err != nil || in.Name != "b" || in.Formats["iso-bios"] != "/x/b.iso" || in.Firmware != "bios" {
		t.Errorf("from the builder's Artifact: %+v, %v", in, err)
	}
	// Without a kernel+initrd output the builder's "cmdline" state still says it.
	if cmdline, ok, err := in.Cmdline(); !ok || err != nil || cmdline != "console=ttyS0 quiet" {
		t.Errorf("Cmdline() from the cmdline state: %q, ok %v, err %v", cmdline, ok, err)
	}

	if _, err := readArtifactInput(nil); err == nil {
		t.Error("a nil artifact was accepted")
	}
	bad := dtInput("lk", nil, false)
	bad.StateValues["formats"] = []string{"not", "a", "map"}
	if _, err := readArtifactInput(bad); err == nil || !strings.Contains(err.Error(), `"formats"`) {
		t.Errorf("formats of the wrong type: %v", err)
	}
}

func TestHasSerialConsole(t *testing.T) {
	for cmdline, want := range map[string]bool{
		"console=ttyS0":                 true,
		"quiet console=ttyS0,115200n8":  true,
		"console=tty0 console=ttyS0":    true,
		"console=ttyS1":                 false,
		"console=ttyS01":                false,
		"xconsole=ttyS0":                false,
		"":                              false,
		"console=tty0 panic=1 ttyS0 xx": false,
	} {
		if got := hasSerialConsole(cmdline); got != want {
			t.Errorf("hasSerialConsole(%q) = %v", cmdline, got)
		}
	}
}

func TestDesktopBootSource(t *testing.T) {
	both := &artifactInput{Formats: map[string]string{"vmdk": "a.vmdk", "iso-bios": "a.iso"}}
	isoOnly := &artifactInput{Formats: map[string]string{"iso-bios": "a.iso", "tar": "a.tar"}}
	for _, tc := range []struct {
		in         *artifactInput
		option     string
		media, src string
	}{
		{both, "", "disk", "a.vmdk"},
		{both, "iso", "iso", "a.iso"},
		{both, "disk", "disk", "a.vmdk"},
		{isoOnly, "", "iso", "a.iso"},
	} {
		media, src, err := desktopBootSource(tc.option, tc.in)
		if err != nil || media != tc.media || src != tc.src {
			t.Errorf("boot_media %q with %s: %q %q %v", tc.option, tc.in.FormatNames(), media, src, err)
		}
	}
}

func TestExtraDiskName(t *testing.T) {
	used := map[string]bool{"vm-disk1.vmdk": true}
	if got := extraDiskName("vm", 1, used); got != "vm-disk1-2.vmdk" {
		t.Errorf("a name taken by the boot disk gave %q", got)
	}
	if got := extraDiskName("vm", 2, used); got != "vm-disk2.vmdk" {
		t.Errorf("got %q", got)
	}
}
