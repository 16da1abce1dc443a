package desktop_test

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

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
		{"disk without vmdk", map[string]string{"iso-bios": iso}, map[string]interface{}{"boot_media": "disk"}, `boot_media "disk" with firmware "bios" needs a vmdk disk`},
		{"iso without ISO", map[string]string{"vmdk": sparse}, map[string]interface{}{"boot_media": "iso"}, `boot_media "iso" with firmware "bios" needs an iso-bios image`},
		{"firmware mismatch", map[string]string{"vmdk": sparse}, map[string]interface{}{"firmware": "efi"},
			`firmware "efi": the artifact has no medium that boots with EFI (it has vmdk (bios)); add "iso-efi", "raw-efi" or "vmdk-efi"`},
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

	// -force never takes a folder of the user's own files that this plugin
	// did not make (no ownership marker).
	foreign := filepath.Join(t.TempDir(), "mine")
	if err := os.MkdirAll(foreign, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	raw["output_directory"] = foreign
	if _, err := vmwaretest.Run(t, context.Background(), newDTUI(), input, raw, force); err == nil ||
		!strings.Contains(err.Error(), "did not write (notes.txt)") {
		t.Errorf("-force into a folder of the user's files: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(foreign, "notes.txt")); err != nil || string(b) != "mine" {
		t.Errorf("-force touched the user's folder: %q %v", b, err)
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
