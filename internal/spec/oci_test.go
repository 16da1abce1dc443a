package spec

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// parseEntry parses one services entry written on its own.
func parseEntry(t *testing.T, entry string) *Image {
	t.Helper()
	s := mustParse(t, "entry.yml", testrig.ServiceSpec(entry))
	return s.Services[0]
}

// TestOCIConfigMatchesLinuxkit compares config.json and runtime.json with
// the output of linuxkit's own code for the same inputs (see cases.yml).
func TestOCIConfigMatchesLinuxkit(t *testing.T) {
	cases := testrig.OCICases(t, "testdata/oci/cases.yml")
	if len(cases) < 8 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			img := parseEntry(t, c.Entry)
			info := ImageInfo{Env: c.Config.Env, Cmd: c.Config.Cmd, Entrypoint: c.Config.Entrypoint, WorkingDir: c.Config.WorkingDir, Labels: c.Config.Labels}
			oci, rt, err := OCIConfig(img, info, IDMap(c.IDs))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ConfigJSON(oci)
			if err != nil {
				t.Fatal(err)
			}
			compareGolden(t, filepath.Join("testdata/oci", c.Name+".config.json"), got)
			// linuxkit's runtime.json starts with the rootfs mounts that
			// internal/rootfs prepends (compared byte for byte there): one
			// bind when read-only, else tmpfs, remount and overlay.
			var want Runtime
			if err := json.Unmarshal(readTestdata(t, "oci/"+c.Name+".runtime.json"), &want); err != nil {
				t.Fatal(err)
			}
			skip := 3
			if oci.Root.Readonly {
				skip = 1
			}
			if want.Mounts == nil || len(*want.Mounts) < skip {
				t.Fatalf("golden runtime.json has %v mounts, want at least %d", want.Mounts, skip)
			}
			rest := (*want.Mounts)[skip:]
			want.Mounts = &rest
			wantJSON, _ := json.MarshalIndent(&want, "", "    ")
			if got, err = json.MarshalIndent(rt, "", "    "); err != nil {
				t.Fatal(err)
			}
			if string(got) != string(wantJSON) {
				t.Errorf("runtime differs from linuxkit's (rootfs mounts removed):\n--- got\n%s\n--- want\n%s", got, wantJSON)
			}
		})
	}
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from linuxkit's output:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestOCICapabilities(t *testing.T) {
	tests := []struct {
		name, entry, label string
		effective          []string
		bounding           []string
	}{
		{"default none", "name: a\nimage: b\n", "", nil, nil},
		{"all", "name: a\nimage: b\ncapabilities: [ALL]\n", "", AllCapabilities, sortedCopy(AllCapabilities)},
		{"none beats label", "name: a\nimage: b\ncapabilities: [none]\n", `{"capabilities":["all"]}`, nil, nil},
		{"label all", "name: a\nimage: b\n", `{"capabilities":["all"]}`, AllCapabilities, sortedCopy(AllCapabilities)},
		{"spec replaces label", "name: a\nimage: b\ncapabilities: [CAP_KILL]\n", `{"capabilities":["CAP_SYS_ADMIN"]}`, []string{"CAP_KILL"}, []string{"CAP_KILL"}},
		{"add to label, deduplicated", "name: a\nimage: b\ncapabilities.add: [CAP_SYS_ADMIN, CAP_KILL]\n", `{"capabilities":["CAP_SYS_ADMIN","CAP_CHOWN"]}`, []string{"CAP_SYS_ADMIN", "CAP_CHOWN", "CAP_KILL"}, []string{"CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN"}},
		{"ambient joins bounding", "name: a\nimage: b\ncapabilities: [CAP_KILL]\nambient: [CAP_NET_RAW]\n", "", []string{"CAP_KILL"}, []string{"CAP_KILL", "CAP_NET_RAW"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info := ImageInfo{}
			if tc.label != "" {
				info.Labels = map[string]string{LabelKey: tc.label}
			}
			oci, _, err := OCIConfig(parseEntry(t, tc.entry), info, nil)
			if err != nil {
				t.Fatal(err)
			}
			c := oci.Process.Capabilities
			if !equalStrings(c.Effective, tc.effective) || !equalStrings(c.Bounding, tc.bounding) || !equalStrings(c.Permitted, tc.bounding) || !equalStrings(c.Inheritable, tc.bounding) {
				t.Errorf("effective %q bounding %q permitted %q", c.Effective, c.Bounding, c.Permitted)
			}
		})
	}
}

func TestOCIErrors(t *testing.T) {
	tests := []struct {
		name, entry, label string
		ids                IDResolver
		want               string
	}{
		{"label syntax", "name: a\nimage: x/y:1\n", `{"capabilities": [}`, nil, "x/y:1 label org.mobyproject.config:1: invalid YAML"},
		{"label unknown key", "name: a\nimage: x/y:1\n", `{"capabilites": ["all"]}`, nil, `x/y:1 label org.mobyproject.config:1:2: capabilites: unknown key "capabilites" (did you mean "capabilities"?)`},
		{"label bad cap", "name: a\nimage: x/y:1\n", `{"capabilities": ["CAP_X"]}`, nil, `x/y:1 label org.mobyproject.config:1:19: capabilities[0]: unknown capability "CAP_X"`},
		{"label sets image", "name: a\nimage: x/y:1\n", `{"image": "z"}`, nil, `image: image cannot be set in the org.mobyproject.config label`},
		{"all among label caps", "name: a\nimage: b\ncapabilities.add: [all]\n", `{"capabilities":["CAP_KILL"]}`, nil, `entry.yml:5:24: services[0].capabilities.add[0]: unknown capability "all"`},
		{"unknown user", "name: a\nimage: b\nuid: nobody\n", "", IDMap{"sshd": 100}, `entry.yml:5:10: services[0].uid: cannot find id: nobody`},
		{"unknown group in label", "name: a\nimage: b\n", `{"additionalGids": ["wheel"]}`, nil, `label org.mobyproject.config: additionalGids[0]: cannot find id: wheel`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info := ImageInfo{Labels: map[string]string{LabelKey: tc.label}}
			_, _, err := OCIConfig(parseEntry(t, tc.entry), info, tc.ids)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v\nwant %q", err, tc.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("error %T is not an *Error", err)
			}
		})
	}
}

func TestOCIPrecedenceAndIDs(t *testing.T) {
	s := mustParse(t, "p.yml", `
services:
  - name: sshd
    image: sshd
  - name: web
    image: nginx
    uid: nginx
    gid: www-data
    additionalGids: [sshd, nginx, "7"]
`)
	ids := s.ContainerIDs() // sshd: 100, web: 101
	ids["nginx"], ids["www-data"] = 102, 33
	info := ImageInfo{
		Env: []string{"FROM_IMAGE=1"}, Entrypoint: []string{"/docker-entrypoint.sh"}, Cmd: []string{"nginx"}, WorkingDir: "/img",
		Labels: map[string]string{LabelKey: "cwd: /label\nenv: [FROM_LABEL=1]\n"},
	}
	oci, _, err := OCIConfig(s.Services[1], info, ids)
	if err != nil {
		t.Fatal(err)
	}
	p := oci.Process
	if p.User.UID != 102 || p.User.GID != 33 || !reflect.DeepEqual(p.User.AdditionalGids, []uint32{100, 102, 7}) {
		t.Errorf("user = %+v", p.User)
	}
	if p.Cwd != "/label" || !equalStrings(p.Env, []string{"FROM_LABEL=1"}) || !equalStrings(p.Args, []string{"/docker-entrypoint.sh", "nginx"}) {
		t.Errorf("process = %+v", p)
	}
	if _, err := ids.LookupUser("nobody"); err == nil {
		t.Error("unknown user resolved")
	}
	if id, err := (&ID{Name: "root"}).UID(nil); err != nil || id != 0 {
		t.Errorf("root = %d %v", id, err)
	}
}

func TestOCIDoesNotModifyEntry(t *testing.T) {
	img := parseEntry(t, "name: a\nimage: b\nresources: {memory: {limit: 5}}\ndevices: [{path: /dev/fuse, type: c, major: 10, minor: 229, mode: \"0666\"}]\n")
	before, _ := (&Spec{Services: []*Image{img}}).Canonical()
	for i := 0; i < 2; i++ {
		oci, _, err := OCIConfig(img, ImageInfo{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(oci.Linux.Resources.Devices); n != 1 {
			t.Errorf("device rules = %d", n)
		}
	}
	after, _ := (&Spec{Services: []*Image{img}}).Canonical()
	if string(before) != string(after) {
		t.Errorf("OCIConfig modified the entry:\n%s\n%s", before, after)
	}
}

func TestConfigJSONEmpty(t *testing.T) {
	if data, err := ConfigJSON(&specs.Spec{}); err != nil || !strings.HasPrefix(string(data), "{\n    ") {
		t.Errorf("%s %v", data, err)
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}
