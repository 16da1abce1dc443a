package common_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/builder/linuxkit"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// TestInputNamesMatchTheBuilder keeps the formats read here equal to the ones
// the linuxkit builder publishes (the state keys are internal/artifact's on
// both sides, so a rename is a compile error).
func TestInputNamesMatchTheBuilder(t *testing.T) {
	for _, pair := range [][2]string{
		{artifact.FormatKernelInitrd, linuxkit.FormatKernelInitrd},
		{artifact.FormatISOBIOS, linuxkit.FormatISOBIOS},
		{artifact.FormatVMDK, linuxkit.FormatVMDK},
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
		in, err := common.ReadInput(vmwaretest.Input("lk", formats, rpc))
		if err != nil {
			t.Fatalf("rpc=%v: %v", rpc, err)
		}
		if in.Name != "lk" || in.SpecDigest != vmwaretest.SpecDigest || in.Firmware != "bios" || len(in.Formats) != 2 || in.Formats["vmdk"] != formats["vmdk"] {
			t.Errorf("rpc=%v: %+v", rpc, in)
		}
		if got := in.FormatNames(); got != "kernel+initrd, vmdk" {
			t.Errorf("FormatNames() = %q", got)
		}
		cmdline, ok, err := in.Cmdline()
		if err != nil || !ok || !common.HasSerialConsole(cmdline) {
			t.Errorf("Cmdline() = %q, %v, %v", cmdline, ok, err)
		}
	}

	in, err := common.ReadInput(&linuxkit.Artifact{OutputName: "b", SpecDigest: vmwaretest.SpecDigest, Formats: map[string]string{"iso-bios": "/x/b.iso"}, Cmdline: "console=ttyS0 quiet"})
	if err != nil || in.Name != "b" || in.Formats["iso-bios"] != "/x/b.iso" || in.Firmware != "bios" {
		t.Errorf("from the builder's Artifact: %+v, %v", in, err)
	}
	// Without a kernel+initrd output the builder's "cmdline" state still says it.
	if cmdline, ok, err := in.Cmdline(); !ok || err != nil || cmdline != "console=ttyS0 quiet" {
		t.Errorf("Cmdline() from the cmdline state: %q, ok %v, err %v", cmdline, ok, err)
	}

	if _, err := common.ReadInput(nil); err == nil {
		t.Error("a nil artifact was accepted")
	}
	bad := vmwaretest.Input("lk", nil, false)
	bad.StateValues["formats"] = []string{"not", "a", "map"}
	if _, err := common.ReadInput(bad); err == nil || !strings.Contains(err.Error(), `"formats"`) {
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
		if got := common.HasSerialConsole(cmdline); got != want {
			t.Errorf("HasSerialConsole(%q) = %v", cmdline, got)
		}
	}
}
