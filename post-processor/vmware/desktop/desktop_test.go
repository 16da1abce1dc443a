package desktop_test

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vmdk"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// TestDesktopFusionDisk runs the post-processor in process on a vmdk
// artifact shaped like Packer's RPC delivers it, with the recording vmrun:
// the exact vmrun calls, the .vmx read back key by key, the copied boot disk,
// the extra disks and the artifact.
func TestDesktopFusionDisk(t *testing.T) {
	rig := newDesktopRig(t)
	t.Setenv("VMRUN_GUEST_IP", "10.11.12.13")
	src := t.TempDir()
	boot := filepath.Join(src, "lk.vmdk")
	vmwaretest.VMDK(t, boot, false)
	out := filepath.Join(t.TempDir(), "vm")

	ui := newDTUI()
	a, err := vmwaretest.Run(t, context.Background(), ui, vmwaretest.Input("lk", map[string]string{"vmdk": boot}, true), map[string]interface{}{
		"target":           "fusion",
		"vmrun_path":       rig.vmrun,
		"vm_name":          "demo",
		"cpus":             2,
		"memory":           2048,
		"disks":            []string{"1M", "2M"},
		"output_directory": out,
		"guestinfo":        map[string]string{"userdata": "e30=", "userdata.encoding": "base64"},
		"vmx_data":         map[string]string{"annotation": "built by a test", "guestinfo.userdata": "loses to guestinfo"},
		"wait_for_ip":      true,
		"keep_running":     false,
	}, nil)
	if err != nil {
		t.Fatalf("PostProcess: %v\nUI errors:\n%s", err, ui.errorText())
	}
	vmx := filepath.Join(out, "demo.vmx")
	rig.wantCalls(t,
		[]string{"-T", "fusion", "start", vmx, "nogui"},
		[]string{"-T", "fusion", "getGuestIPAddress", vmx, "-wait"},
		[]string{"-T", "fusion", "stop", vmx, "soft"},
	)

	dtWantVMX(t, dtReadVMX(t, vmx), dtMerge(dtBaseVMX("demo", "2", "2048"), map[string]string{
		"ethernet0.present":           "TRUE",
		"ethernet0.connectionType":    "nat",
		"ethernet0.virtualDev":        "vmxnet3",
		"ethernet0.addressType":       "generated",
		"scsi0.present":               "TRUE",
		"scsi0.virtualDev":            "lsilogic",
		"scsi0:0.present":             "TRUE",
		"scsi0:0.fileName":            "lk.vmdk",
		"scsi0:1.present":             "TRUE",
		"scsi0:1.fileName":            "demo-disk1.vmdk",
		"scsi0:2.present":             "TRUE",
		"scsi0:2.fileName":            "demo-disk2.vmdk",
		"bios.bootOrder":              "hdd",
		"serial0.present":             "TRUE",
		"serial0.fileType":            "file",
		"serial0.fileName":            "console.log",
		"serial0.yieldOnMsrRead":      "TRUE",
		"serial0.startConnected":      "TRUE",
		"annotation":                  "built by a test",
		"guestinfo.userdata":          "e30=",
		"guestinfo.userdata.encoding": "base64",
	}))

	// The boot disk is a copy, byte for byte, and the extra disks are sparse
	// vmdks of the sizes asked.
	want, _ := os.ReadFile(boot)
	got, err := os.ReadFile(filepath.Join(out, "lk.vmdk"))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("the VM's boot disk is not a copy of the artifact's (err %v)", err)
	}
	for name, size := range map[string]uint64{"demo-disk1.vmdk": 1 << 20, "demo-disk2.vmdk": 2 << 20} {
		p := filepath.Join(out, name)
		if ct, err := vmdk.Subformat(p); err != nil || ct != "monolithicSparse" {
			t.Errorf("%s: createType %q, %v", name, ct, err)
		}
		if c := dtVMDKCapacity(t, p); c != size {
			t.Errorf("%s: capacity %d bytes, want %d", name, c, size)
		}
	}

	if a.BuilderId() != "seed844b7c54.linuxkit-vmware" || a.Id() != vmx {
		t.Errorf("artifact BuilderId %q, Id %q", a.BuilderId(), a.Id())
	}
	wantFiles := []string{filepath.Join(out, "demo-disk1.vmdk"), filepath.Join(out, "demo-disk2.vmdk"), vmx, filepath.Join(out, "lk.vmdk")}
	if strings.Join(a.Files(), "\n") != strings.Join(wantFiles, "\n") {
		t.Errorf("Files() = %q, want %q", a.Files(), wantFiles)
	}
	for key, want := range map[string]interface{}{"vm_name": "demo", "vmx_path": vmx, "ip": "10.11.12.13", "target": "fusion", "spec_digest": vmwaretest.SpecDigest} {
		if got := a.State(key); got != want {
			t.Errorf("State(%q) = %v, want %v", key, got, want)
		}
	}
	img, ok := a.State(registryimage.ArtifactStateURI).(*registryimage.Image)
	if !ok {
		t.Fatalf("HCP metadata is a %T", a.State(registryimage.ArtifactStateURI))
	}
	if img.ProviderName != "vmware-desktop" || img.ImageID != vmx || img.SourceImageID != vmwaretest.SpecDigest ||
		img.Labels["spec_digest"] != vmwaretest.SpecDigest || img.Labels["target"] != "fusion" {
		t.Errorf("HCP metadata %+v", img)
	}
	if !strings.Contains(a.String(), "(stopped)") {
		t.Errorf("String() = %q", a.String())
	}

	// Destroy: the VM is stopped, so vmrun only lists; the folder goes.
	if err := a.Destroy(); err != nil {
		t.Fatal(err)
	}
	rig.wantCalls(t, []string{"-T", "fusion", "list"})
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("Destroy left the VM folder: %v", err)
	}
}

// TestDesktopWorkstationISO covers boot_media = "iso" on Workstation, a
// vmx_template, headless = false, serial_log_path outside the folder, the
// VM left running (no IP wait), and Destroy stopping it.
func TestDesktopWorkstationISO(t *testing.T) {
	rig := newDesktopRig(t)
	src := t.TempDir()
	iso := filepath.Join(src, "lk.iso")
	if err := os.WriteFile(iso, []byte("an ISO stand-in"), 0o644); err != nil {
		t.Fatal(err)
	}
	vmdkPath := filepath.Join(src, "lk.vmdk")
	vmwaretest.VMDK(t, vmdkPath, true) // streamOptimized: fine, boot_media = "iso" ignores it
	cmdline := filepath.Join(src, "lk-cmdline")
	if err := os.WriteFile(cmdline, []byte("console=tty0 quiet\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tmpl := vmwaretest.TempFile(t, "base.vmx", `.encoding = "UTF-8"
displayName = "template name"
uuid.bios = "56 4d 00"
sound.present = "TRUE"
memsize = "64"
`)
	work := t.TempDir()
	out := filepath.Join(work, "ws-vm")
	serial := filepath.Join(work, "logs", "serial.txt")

	ui := newDTUI()
	formats := map[string]string{"iso-bios": iso, "vmdk": vmdkPath, "kernel+initrd": filepath.Join(src, "lk-kernel")}
	a, err := vmwaretest.Run(t, context.Background(), ui, vmwaretest.Input("lk", formats, false), map[string]interface{}{
		"target":               "workstation",
		"vmrun_path":           rig.vmrun,
		"boot_media":           "iso",
		"output_directory":     out,
		"serial_log_path":      serial,
		"vmx_template":         tmpl,
		"headless":             false,
		"network_type":         "hostonly",
		"network_adapter_type": "e1000e",
		"disk_controller_type": "sata",
		"disks":                []string{"1M"},
		"guest_os_type":        "other6xlinux-64",
		"hardware_version":     20,
	}, map[string]interface{}{"packer_build_name": "ignored-since-the-artifact-has-a-name"})
	if err != nil {
		t.Fatalf("PostProcess: %v\nUI errors:\n%s", err, ui.errorText())
	}
	vmx := filepath.Join(out, "lk.vmx")
	rig.wantCalls(t, []string{"-T", "ws", "start", vmx, "gui"})
	if w := ui.errorText(); !strings.Contains(w, `"console=tty0 quiet" has no console=ttyS0`) {
		t.Errorf("no warning about the missing console=ttyS0; UI errors:\n%s", w)
	}

	base := dtBaseVMX("lk", "1", "1024")
	base["guestOS"] = "other6xlinux-64"
	base["virtualHW.version"] = "20"
	dtWantVMX(t, dtReadVMX(t, vmx), dtMerge(base, map[string]string{
		"sound.present":            "TRUE", // kept from the template; uuid.bios is dropped
		"ethernet0.present":        "TRUE",
		"ethernet0.connectionType": "hostonly",
		"ethernet0.virtualDev":     "e1000e",
		"ethernet0.addressType":    "generated",
		"sata0.present":            "TRUE",
		"sata0:0.present":          "TRUE",
		"sata0:0.fileName":         "lk-disk1.vmdk",
		"sata0:1.present":          "TRUE",
		"sata0:1.deviceType":       "cdrom-image",
		"sata0:1.fileName":         "lk.iso",
		"sata0:1.startConnected":   "TRUE",
		"bios.bootOrder":           "cdrom",
		"serial0.present":          "TRUE",
		"serial0.fileType":         "file",
		"serial0.fileName":         serial,
		"serial0.yieldOnMsrRead":   "TRUE",
		"serial0.startConnected":   "TRUE",
	}))
	if b, err := os.ReadFile(filepath.Join(out, "lk.iso")); err != nil || string(b) != "an ISO stand-in" {
		t.Errorf("the ISO was not copied into the VM folder: %q, %v", b, err)
	}
	if fi, err := os.Stat(filepath.Dir(serial)); err != nil || !fi.IsDir() {
		t.Errorf("the serial log's folder was not made: %v", err)
	}
	if a.State("ip") != nil || !strings.Contains(a.String(), "(running)") {
		t.Errorf("ip state %v, String() %q", a.State("ip"), a.String())
	}

	// Destroy stops the running VM hard, then removes the folder.
	if err := a.Destroy(); err != nil {
		t.Fatal(err)
	}
	rig.wantCalls(t, []string{"-T", "ws", "list"}, []string{"-T", "ws", "stop", vmx, "hard"})
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("Destroy left the VM folder: %v", err)
	}
}

// TestDesktopFailureCleansUp: a failing vmrun start, a failing IP wait and
// a cancellation each leave no VM running and no VM folder.
func TestDesktopFailureCleansUp(t *testing.T) {
	rig := newDesktopRig(t)
	boot := filepath.Join(t.TempDir(), "lk.vmdk")
	vmwaretest.VMDK(t, boot, false)
	input := vmwaretest.Input("lk", map[string]string{"vmdk": boot}, true)
	out := filepath.Join(t.TempDir(), "vm")
	vmx := filepath.Join(out, "lk.vmx")
	raw := map[string]interface{}{"target": "fusion", "vmrun_path": rig.vmrun, "output_directory": out, "wait_for_ip": true}

	t.Run("start fails", func(t *testing.T) {
		t.Setenv("VMRUN_FAIL", "start")
		_, err := vmwaretest.Run(t, context.Background(), newDTUI(), input, raw, nil)
		if err == nil || !strings.Contains(err.Error(), "simulated failure of start") {
			t.Fatalf("error = %v, want vmrun's start failure", err)
		}
		rig.wantCalls(t, []string{"-T", "fusion", "start", vmx, "nogui"}, []string{"-T", "fusion", "list"})
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("the VM folder is still there after a failed start: %v", err)
		}
	})
	t.Run("ip wait fails", func(t *testing.T) {
		t.Setenv("VMRUN_FAIL", "getGuestIPAddress")
		_, err := vmwaretest.Run(t, context.Background(), newDTUI(), input, raw, nil)
		if err == nil || !strings.Contains(err.Error(), "waiting for the VM's IP address") {
			t.Fatalf("error = %v", err)
		}
		rig.wantCalls(t,
			[]string{"-T", "fusion", "start", vmx, "nogui"},
			[]string{"-T", "fusion", "getGuestIPAddress", vmx, "-wait"},
			[]string{"-T", "fusion", "list"},
			[]string{"-T", "fusion", "stop", vmx, "hard"},
		)
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("the VM folder is still there after a failure: %v", err)
		}
	})
	t.Run("cancelled while waiting for the IP", func(t *testing.T) {
		t.Setenv("VMRUN_HANG", "getGuestIPAddress")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ui := newDTUI()
		ui.onSay = func(m string) {
			if strings.HasPrefix(m, "Waiting up to") {
				cancel()
			}
		}
		if _, err := vmwaretest.Run(t, ctx, ui, input, raw, nil); err == nil {
			t.Fatal("a cancelled build succeeded")
		}
		calls := rig.calls(t)
		if len(calls) < 3 || calls[0][2] != "start" ||
			!dtEqualArgv(calls[len(calls)-2:], [][]string{{"-T", "fusion", "list"}, {"-T", "fusion", "stop", vmx, "hard"}}) {
			t.Errorf("vmrun calls %q: want start, …, list, stop hard", calls)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("the VM folder is still there after a cancellation: %v", err)
		}
	})
	t.Run("-on-error=abort keeps everything", func(t *testing.T) {
		t.Setenv("VMRUN_FAIL", "getGuestIPAddress")
		_, err := vmwaretest.Run(t, context.Background(), newDTUI(), input, raw, map[string]interface{}{"packer_on_error": "abort"})
		if err == nil {
			t.Fatal("the failing build succeeded")
		}
		rig.wantCalls(t,
			[]string{"-T", "fusion", "start", vmx, "nogui"},
			[]string{"-T", "fusion", "getGuestIPAddress", vmx, "-wait"},
		)
		if _, err := os.Stat(vmx); err != nil {
			t.Errorf("-on-error=abort removed the VM: %v", err)
		}
	})
}

// TestDesktopRefusals: every check that stops a build before anything is
// written or started.
func TestDesktopRefusals(t *testing.T) {
	rig := newDesktopRig(t)
	src := t.TempDir()
	sparse := filepath.Join(src, "lk.vmdk")
	vmwaretest.VMDK(t, sparse, false)
	stream := filepath.Join(src, "stream.vmdk")
	vmwaretest.VMDK(t, stream, true)
	iso := vmwaretest.TempFile(t, "lk.iso", "iso")

	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "keep.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		formats map[string]string
		extra   map[string]interface{}
		want    string
	}{
		{"streamOptimized vmdk", map[string]string{"vmdk": stream}, nil, `set vmdk_subformat = "monolithicSparse"`},
		{"no bootable format", map[string]string{"tar": filepath.Join(src, "lk.tar")}, nil, `add "vmdk" (with vmdk_subformat = "monolithicSparse") or "iso-bios"`},
		{"disk without vmdk", map[string]string{"iso-bios": iso}, map[string]interface{}{"boot_media": "disk"}, `boot_media "disk" needs a vmdk`},
		{"iso without ISO", map[string]string{"vmdk": sparse}, map[string]interface{}{"boot_media": "iso"}, `boot_media "iso" needs an ISO`},
		{"firmware mismatch", map[string]string{"vmdk": sparse}, map[string]interface{}{"firmware": "efi"}, `firmware "efi" does not match the artifact's firmware "bios"`},
		{"folder not empty", map[string]string{"vmdk": sparse}, map[string]interface{}{"output_directory": full}, "already exists and is not empty"},
		{"missing vmdk file", map[string]string{"vmdk": filepath.Join(src, "gone.vmdk")}, nil, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := map[string]interface{}{"target": "workstation", "vmrun_path": rig.vmrun, "output_directory": filepath.Join(t.TempDir(), "vm")}
			maps.Copy(raw, tc.extra)
			_, err := vmwaretest.Run(t, context.Background(), newDTUI(), vmwaretest.Input("lk", tc.formats, false), raw, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
			rig.wantCalls(t)
			if _, err := os.Stat(raw["output_directory"].(string)); tc.name != "folder not empty" && !os.IsNotExist(err) {
				t.Errorf("a refused build left its VM folder: %v", err)
			}
		})
	}
	if b, err := os.ReadFile(filepath.Join(full, "keep.txt")); err != nil || string(b) != "mine" {
		t.Errorf("a refused build touched an existing folder: %q, %v", b, err)
	}

	t.Run("not a linuxkit artifact", func(t *testing.T) {
		in := vmwaretest.Input("lk", nil, false)
		in.BuilderIdValue = "mitchellh.post-processor.checksum"
		_, err := vmwaretest.Run(t, context.Background(), newDTUI(), in, map[string]interface{}{"target": "fusion", "vmrun_path": rig.vmrun}, nil)
		if err == nil || !strings.Contains(err.Error(), `builder "mitchellh.post-processor.checksum") has no "formats" state`) {
			t.Fatalf("error = %v", err)
		}
	})
}

// TestDesktopForce: -force replaces a non-empty VM folder, stopping the VM
// that runs from it first, but never a folder holding the builder's files.
func TestDesktopForce(t *testing.T) {
	rig := newDesktopRig(t)
	src := t.TempDir()
	boot := filepath.Join(src, "lk.vmdk")
	vmwaretest.VMDK(t, boot, false)
	input := vmwaretest.Input("lk", map[string]string{"vmdk": boot}, false)
	out := filepath.Join(t.TempDir(), "vm")
	raw := map[string]interface{}{"target": "fusion", "vmrun_path": rig.vmrun, "output_directory": out}
	force := map[string]interface{}{"packer_force": true}

	if _, err := vmwaretest.Run(t, context.Background(), newDTUI(), input, raw, nil); err != nil {
		t.Fatal(err)
	}
	vmx := filepath.Join(out, "lk.vmx")
	rig.wantCalls(t, []string{"-T", "fusion", "start", vmx, "nogui"})
	stale := filepath.Join(out, "stale.txt")
	if err := os.WriteFile(stale, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := vmwaretest.Run(t, context.Background(), newDTUI(), input, raw, nil); err == nil {
		t.Fatal("a second build into the same folder succeeded without -force")
	}
	rig.wantCalls(t)

	if _, err := vmwaretest.Run(t, context.Background(), newDTUI(), input, raw, force); err != nil {
		t.Fatalf("-force: %v", err)
	}
	rig.wantCalls(t,
		[]string{"-T", "fusion", "list"},
		[]string{"-T", "fusion", "stop", vmx, "hard"},
		[]string{"-T", "fusion", "start", vmx, "nogui"},
	)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("-force kept the old folder's files: %v", err)
	}

	raw["output_directory"] = src
	_, err := vmwaretest.Run(t, context.Background(), newDTUI(), input, raw, force)
	if err == nil || !strings.Contains(err.Error(), "holds the builder's file") {
		t.Fatalf("-force into the builder's folder: %v", err)
	}
	if _, err := os.Stat(boot); err != nil {
		t.Fatalf("-force removed the builder's file: %v", err)
	}

	// -force never takes the home directory or the working directory, also
	// when output_directory reaches them through a symlinked parent.
	base := t.TempDir()
	home := filepath.Join(base, "real", "home")
	cwd := filepath.Join(base, "real", "cwd")
	for _, d := range []string{home, cwd} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "keep.txt"), []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(base, "real"), filepath.Join(base, "alias")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Chdir(cwd)
	for dir, want := range map[string]string{
		home:                                 "home directory",
		filepath.Join(base, "alias", "home"): "home directory",
		filepath.Join(base, "alias", "cwd"):  "working directory",
		filepath.Join(base, "real"):          "working directory",
	} {
		raw["output_directory"] = dir
		_, err := vmwaretest.Run(t, context.Background(), newDTUI(), input, raw, force)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("-force into %s: %v, want an error naming the %s", dir, err, want)
		}
	}
	for _, d := range []string{home, cwd} {
		if b, err := os.ReadFile(filepath.Join(d, "keep.txt")); err != nil || string(b) != "mine" {
			t.Errorf("-force touched %s: %q %v", d, b, err)
		}
	}
}

// dtVMDKCapacity reads a sparse vmdk header's capacity, in bytes.
func dtVMDKCapacity(t *testing.T, path string) uint64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 20 {
		t.Fatalf("reading %s: %v", path, err)
	}
	var sectors uint64
	for i := 7; i >= 0; i-- {
		sectors = sectors<<8 | uint64(b[12+i])
	}
	return sectors * 512
}
