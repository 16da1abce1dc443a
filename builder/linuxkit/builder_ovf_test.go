package linuxkit

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vmware/govmomi/ovf"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/rootfs"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// TestRunOVAOVF builds the raw disk, ovf and ova of one spec in process, for
// BIOS and EFI: the files, byte-identical rebuilds, the manifest through
// sha256sum -c (beside the ovf files and inside the unpacked ova), the OVA's
// members (descriptor first, the same bytes as the ovf files), the descriptor
// through govmomi's parser with the ovf_* hardware, and the disk through
// qemu-img check and convert back to the raw disk's bytes.
func TestRunOVAOVF(t *testing.T) {
	r := newRunRig(t)
	for _, tc := range []struct {
		firmware, raw, rawFile string
		extra                  map[string]interface{}
		cpus                   uint
		memory                 uint
		nic                    string
	}{
		{"bios", FormatRawBIOS, "lk-bios.img", nil, 1, 1024, "VmxNet3"},
		{"efi", FormatRawEFI, "lk-efi.img", map[string]interface{}{"ovf_firmware": "efi", "ovf_cpus": 2, "ovf_memory": 2048,
			"ovf_network_adapter_type": "e1000e", "ovf_guest_os_type": "other5xLinux64Guest"}, 2, 2048, "E1000e"},
	} {
		t.Run(tc.firmware, func(t *testing.T) {
			if tc.firmware == "efi" {
				r.withHostStub(t)
			}
			files := []string{tc.rawFile, "lk-disk1.vmdk", "lk.ovf", "lk.mf", "lk.ova", "lk.spdx.json", "lk.sha256"}
			var arts [2]*Artifact
			for i, out := range []string{tc.firmware + "-a", tc.firmware + "-b"} {
				var log uiLog
				a, err := r.build(context.Background(), t, log.ui(), r.raw(out, []string{tc.raw, FormatOVA, FormatOVF}, tc.extra))
				if err != nil {
					t.Fatalf("build %s: %v\n%s", out, err, log.String())
				}
				arts[i] = a.(*Artifact)
				checkOutputs(t, arts[i], files)
			}
			a := arts[0]
			for i, p := range a.Files() {
				if x, y := readBytes(t, p), readBytes(t, arts[1].Files()[i]); !bytes.Equal(x, y) {
					t.Errorf("%s differs between two builds of the same spec", filepath.Base(p))
				}
			}
			mf := a.mediaFirmware()
			if mf[FormatOVA] != tc.firmware || mf[FormatOVF] != tc.firmware || a.Formats[FormatOVF] != filepath.Join(a.Dir, "lk.ovf") {
				t.Errorf("media firmware %v, formats %v", mf, a.Formats)
			}
			sha256sumCheck(t, a.Dir, "lk.mf")
			unpacked := checkOVAMembers(t, a.Formats[FormatOVA], a.Dir)
			sha256sumCheck(t, unpacked, "lk.mf")
			checkDescriptor(t, filepath.Join(a.Dir, "lk.ovf"), tc.firmware, tc.cpus, tc.memory, tc.nic)
			checkVMDKOf(SubformatStreamOptimized)(t, filepath.Join(a.Dir, "lk-disk1.vmdk"))
			checkConvertsTo(t, filepath.Join(a.Dir, "lk-disk1.vmdk"), filepath.Join(a.Dir, tc.rawFile))
		})
	}
}

// sha256sumCheck runs the real sha256sum -c on the manifest in dir.
func sha256sumCheck(t *testing.T, dir, manifest string) {
	t.Helper()
	cmd := exec.Command("sha256sum", "-c", "--strict", manifest)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c %s in %s: %v\n%s", manifest, dir, err, out)
	}
}

// checkOVAMembers checks that the OVA holds lk.ovf, lk.mf and lk-disk1.vmdk
// in that order, with fixed ustar headers (the default mtime, 0644, 0:0), each
// with the bytes of the file of that name in dir, and
// returns a folder they are unpacked into.
func checkOVAMembers(t *testing.T, ova, dir string) string {
	t.Helper()
	f, err := os.Open(ova)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	unpacked := t.TempDir()
	tr := tar.NewReader(f)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", ova, err)
		}
		names = append(names, h.Name)
		if !h.ModTime.Equal(rootfs.DefaultModTime) || h.Mode != 0o644 || h.Uid != 0 || h.Gid != 0 || h.Format != tar.FormatUSTAR {
			t.Errorf("OVA member %s: mtime %s, mode %o, owner %d:%d, format %v", h.Name, h.ModTime, h.Mode, h.Uid, h.Gid, h.Format)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, readBytes(t, filepath.Join(dir, h.Name))) {
			t.Errorf("the OVA's %s differs from the ovf format's", h.Name)
		}
		if err := os.WriteFile(filepath.Join(unpacked, h.Name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(names, " "); got != "lk.ovf lk.mf lk-disk1.vmdk" {
		t.Errorf("OVA members %q, want the descriptor first, then the manifest and the disk", got)
	}
	return unpacked
}

// checkDescriptor parses the descriptor with govmomi and checks its firmware,
// CPUs, memory, NIC and disk reference.
func checkDescriptor(t *testing.T, path, firmware string, cpus, memory uint, nic string) {
	t.Helper()
	env, err := ovf.Unmarshal(bytes.NewReader(readBytes(t, path)))
	if err != nil {
		t.Fatalf("govmomi cannot parse %s: %v", path, err)
	}
	vmdk, err := os.Stat(filepath.Join(filepath.Dir(path), "lk-disk1.vmdk"))
	if err != nil {
		t.Fatal(err)
	}
	if len(env.References) != 1 || env.References[0].Href != "lk-disk1.vmdk" || env.References[0].Size != uint(vmdk.Size()) {
		t.Errorf("references %+v, want lk-disk1.vmdk of %d bytes", env.References, vmdk.Size())
	}
	vs := env.VirtualSystem
	if vs == nil || vs.Name == nil || *vs.Name != "lk" || len(vs.VirtualHardware) != 1 {
		t.Fatalf("virtual system %+v", vs)
	}
	hw := vs.VirtualHardware[0]
	if len(hw.Config) != 1 || hw.Config[0].Key != "firmware" || hw.Config[0].Value != firmware {
		t.Errorf("firmware config %+v, want %s", hw.Config, firmware)
	}
	got := map[ovf.CIMResourceType]string{}
	for _, it := range hw.Item {
		switch {
		case it.VirtualQuantity != nil:
			got[*it.ResourceType] = strconv.FormatUint(uint64(*it.VirtualQuantity), 10)
		case it.ResourceSubType != nil:
			got[*it.ResourceType] = *it.ResourceSubType
		}
	}
	want := map[ovf.CIMResourceType]string{ovf.Processor: strconv.FormatUint(uint64(cpus), 10), ovf.Memory: strconv.FormatUint(uint64(memory), 10), ovf.EthernetAdapter: nic, ovf.ParallelScsiHba: "VirtualSCSI"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("resource %d = %q, want %q", k, got[k], v)
		}
	}
}

// checkConvertsTo has qemu-img convert the vmdk back to raw and compares the
// bytes with the raw disk of the same build.
func checkConvertsTo(t *testing.T, vmdk, raw string) {
	t.Helper()
	testrig.Require(t, "qemu-img")
	back := filepath.Join(t.TempDir(), "back.img")
	if out, err := exec.Command("qemu-img", "convert", "-O", "raw", vmdk, back).CombinedOutput(); err != nil {
		t.Fatalf("qemu-img convert: %v\n%s", err, out)
	}
	if !bytes.Equal(readBytes(t, back), readBytes(t, raw)) {
		t.Errorf("%s converted to raw differs from %s", filepath.Base(vmdk), filepath.Base(raw))
	}
}
