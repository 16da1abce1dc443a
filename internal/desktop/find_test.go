package desktop

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeHost is a host with the given files and PATH entries.
func fakeHost(goos string, env map[string]string, files []string, inPath string) hostEnv {
	return hostEnv{
		goos:   goos,
		getenv: func(k string) string { return env[k] },
		lookPath: func(name string) (string, error) {
			if inPath != "" {
				return inPath, nil
			}
			return "", errors.New("not found")
		},
		isFile: func(p string) bool {
			for _, f := range files {
				if f == p {
					return true
				}
			}
			return false
		},
	}
}

func TestFindVmrun(t *testing.T) {
	const fusionDefault = "/Applications/VMware Fusion.app/Contents/Library/vmrun"
	const wsX86 = `C:\Program Files (x86)\VMware\VMware Workstation\vmrun.exe`
	const ws64 = `C:\Program Files\VMware\VMware Workstation\vmrun.exe`
	cases := []struct {
		name, target, explicit string
		h                      hostEnv
		want, wantErr          string
	}{
		{name: "explicit wins", target: "fusion", explicit: "/opt/vmrun",
			h: fakeHost("linux", nil, []string{"/opt/vmrun"}, "/usr/bin/vmrun"), want: "/opt/vmrun"},
		{name: "explicit must exist", target: "workstation", explicit: "/opt/nope",
			h: fakeHost("linux", nil, nil, "/usr/bin/vmrun"), wantErr: `vmrun_path "/opt/nope": no such file`},
		{name: "fusion app path env", target: "fusion",
			h:    fakeHost("darwin", map[string]string{"FUSION_APP_PATH": "/Apps/Fusion.app"}, []string{"/Apps/Fusion.app/Contents/Library/vmrun", fusionDefault}, ""),
			want: "/Apps/Fusion.app/Contents/Library/vmrun"},
		{name: "fusion default", target: "fusion",
			h: fakeHost("darwin", map[string]string{"FUSION_APP_PATH": "/Apps/Gone.app"}, []string{fusionDefault}, "/usr/local/bin/vmrun"), want: fusionDefault},
		{name: "fusion PATH last", target: "fusion",
			h: fakeHost("darwin", nil, nil, "/usr/local/bin/vmrun"), want: "/usr/local/bin/vmrun"},
		{name: "fusion nothing", target: "fusion",
			h:       fakeHost("darwin", map[string]string{"FUSION_APP_PATH": "/Apps/Gone.app"}, nil, ""),
			wantErr: "target fusion: vmrun not found (tried: /Apps/Gone.app/Contents/Library/vmrun; " + fusionDefault + "; vmrun in PATH); install VMware Fusion or set vmrun_path"},
		{name: "fusion off macOS", target: "fusion", h: fakeHost("linux", nil, nil, "/usr/bin/vmrun"),
			wantErr: "VMware Fusion runs only on macOS"},
		{name: "workstation on macOS", target: "workstation", h: fakeHost("darwin", nil, nil, "/x/vmrun"),
			wantErr: "VMware Workstation does not run on macOS"},
		{name: "linux PATH first", target: "workstation",
			h: fakeHost("linux", nil, []string{"/usr/bin/vmrun"}, "/opt/bin/vmrun"), want: "/opt/bin/vmrun"},
		{name: "linux default", target: "workstation",
			h: fakeHost("linux", nil, []string{"/usr/bin/vmrun"}, ""), want: "/usr/bin/vmrun"},
		{name: "linux nothing", target: "workstation", h: fakeHost("linux", nil, nil, ""),
			wantErr: "tried: vmrun in PATH; /usr/bin/vmrun; /usr/local/bin/vmrun); install VMware Workstation"},
		{name: "windows x86 dir", target: "workstation",
			h: fakeHost("windows", nil, []string{ws64, wsX86}, ""), want: wsX86},
		{name: "windows 64-bit dir", target: "workstation",
			h: fakeHost("windows", nil, []string{ws64}, ""), want: ws64},
		{name: "windows env dirs", target: "workstation",
			h:    fakeHost("windows", map[string]string{"ProgramFiles": `D:\Apps`}, []string{`D:\Apps\VMware\VMware Workstation\vmrun.exe`, ws64}, ""),
			want: `D:\Apps\VMware\VMware Workstation\vmrun.exe`},
		{name: "windows nothing", target: "workstation",
			h:       fakeHost("windows", map[string]string{"ProgramFiles": `C:\Program Files`}, nil, ""),
			wantErr: "tried: vmrun in PATH; " + ws64 + "; " + wsX86 + ")"},
		{name: "bad target", target: "vsphere", h: fakeHost("linux", nil, nil, ""),
			wantErr: `target: unknown value "vsphere" (want one of fusion, workstation)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := findVmrun(c.h, c.target, c.explicit)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("got %q, %v; want error containing %q", got, err, c.wantErr)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

// TestFindVmrunReal runs the exported function on this host with an
// explicit path, which needs no VMware installed.
func TestFindVmrunReal(t *testing.T) {
	p := filepath.Join(t.TempDir(), "vmrun")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := FindVmrun("workstation", p); err != nil || got != p {
		t.Fatalf("FindVmrun = %q, %v", got, err)
	}
	if _, err := FindVmrun("workstation", filepath.Dir(p)); err == nil {
		t.Fatalf("a folder was accepted as vmrun")
	}
}

func TestHostType(t *testing.T) {
	for target, want := range map[string]string{"fusion": "fusion", "workstation": "ws"} {
		if got, err := HostType(target); err != nil || got != want {
			t.Errorf("HostType(%q) = %q, %v", target, got, err)
		}
	}
	if _, err := HostType("player"); err == nil {
		t.Error("HostType(player) succeeded")
	}
}
