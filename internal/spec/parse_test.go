package spec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func mustParse(t *testing.T, name, data string) *Spec {
	t.Helper()
	s, err := Parse(name, []byte(data))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return s
}

func readTestdata(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestValidExamples(t *testing.T) {
	files, err := filepath.Glob("testdata/valid/*.yml")
	if err != nil || len(files) < 5 {
		t.Fatalf("want the valid examples, got %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Parse(f, data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if _, err := Merge(s); err != nil {
				t.Fatalf("Merge: %v", err)
			}
		})
	}
}

func TestInvalidExamples(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yml")
	if err != nil || len(files) < 10 {
		t.Fatalf("want the invalid examples, got %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var wants []string
			for _, line := range strings.Split(string(data), "\n") {
				if w, ok := strings.CutPrefix(line, "# want: "); ok {
					wants = append(wants, w)
				}
			}
			if len(wants) == 0 {
				t.Fatal("no '# want:' line")
			}
			name := filepath.Base(f)
			s, err := Parse(name, data)
			if err == nil {
				_, err = Merge(s)
			}
			if err == nil {
				t.Fatal("accepted")
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) != len(wants) {
				t.Errorf("want %d errors as an ErrorList, got %T:\n%v", len(wants), err, err)
			}
			for _, w := range wants {
				if !strings.Contains(err.Error(), name+":"+w) && !strings.Contains(err.Error(), name+": "+w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestSSHDShape(t *testing.T) {
	s, err := Parse("examples/sshd.yml", readTestdata(t, "valid/sshd.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Init) != 4 || len(s.Onboot) != 2 || len(s.Services) != 4 {
		t.Fatalf("sections: init %d onboot %d services %d", len(s.Init), len(s.Onboot), len(s.Services))
	}
	sshd := s.Services[3]
	if sshd.Name != "openssh" || sshd.BindsAdd == nil || (*sshd.BindsAdd)[0] != "/etc/ssh/keys.d:/etc/ssh/keys.d:ro" || sshd.Binds != nil {
		t.Errorf("openssh entry: %+v", sshd)
	}
	if got := *s.Onboot[1].Command; len(got) != 2 || got[1] != "--once" {
		t.Errorf("entropy command = %q", got)
	}
	f := s.Files[0]
	if f.Path != "etc/ssh/keys.d/operator" || f.Source != "~/.ssh/id_ed25519.pub" || !f.Optional || f.Mode != "0600" {
		t.Errorf("file = %+v", f)
	}
	if f.BaseDir != "examples" {
		t.Errorf("BaseDir = %q, want the directory of the YAML", f.BaseDir)
	}
	if f.Pos.Line != 33 || f.Pos.Path != "files[0]" {
		t.Errorf("file position = %+v", f.Pos)
	}
	if s.Kernel.Cmdline != "console=ttyS0,115200 quiet loglevel=3" {
		t.Errorf("cmdline = %q", s.Kernel.Cmdline)
	}
}

func TestVolumesShape(t *testing.T) {
	s := mustParse(t, "volumes.yml", string(readTestdata(t, "valid/volumes.yml")))
	if len(s.Volumes) != 2 || s.Volumes[0].Name != "cache" || s.Volumes[0].Image != "" || s.Volumes[0].ReadOnly ||
		s.Volumes[1].Image != "lkexample/site-content:2024-11-30" || !s.Volumes[1].ReadOnly {
		t.Fatalf("volumes = %+v %+v", s.Volumes[0], s.Volumes[1])
	}
	if s.Files[0].Metadata != "json" {
		t.Errorf("metadata file = %+v", s.Files[0])
	}
	if got := s.Volume("site").MergedDir(); got != "/containers/volumes/site/merged" {
		t.Errorf("MergedDir = %q", got)
	}
	web, err := s.ResolveVolumes(s.Services[0])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/etc/hosts:/etc/hosts", "/containers/volumes/site/merged:/usr/local/apache2/htdocs:ro", "/containers/volumes/cache/merged:/var/cache/site"}
	if strings.Join(*web.Binds, " ") != strings.Join(want, " ") {
		t.Errorf("resolved binds = %q", *web.Binds)
	}
	if (*s.Services[0].Binds)[1] != "site:/usr/local/apache2/htdocs:ro" {
		t.Error("ResolveVolumes modified the spec")
	}
}

func TestWireguardShape(t *testing.T) {
	s := mustParse(t, "wireguard.yml", string(readTestdata(t, "valid/wireguard.yml")))
	tun := s.Onboot[1]
	if tun.Net != "new" || tun.Runtime == nil || tun.Runtime.Interfaces == nil {
		t.Fatalf("tun-a = %+v", tun)
	}
	ifc := (*tun.Runtime.Interfaces)[0]
	if ifc != (Interface{Name: "wga", Add: "wireguard", CreateInRoot: true}) {
		t.Errorf("interface = %+v", ifc)
	}
	if *tun.Runtime.BindNS.Net != "/run/netns/tun-a" {
		t.Errorf("bindNS.net = %q", *tun.Runtime.BindNS.Net)
	}
	if s.Services[0].Net != "/run/netns/tun-a" || s.Services[1].Net != "/run/netns/tun-b" {
		t.Errorf("service nets = %q %q", s.Services[0].Net, s.Services[1].Net)
	}
	if c := *s.Files[0].Contents; !strings.HasPrefix(c, "[Interface]\nPrivateKey = 4plkLolbjeIwZuXnaI40B5BfH0ZMgQcm31+2kvpaQj0=\n") {
		t.Errorf("contents = %q", c)
	}
}

func TestKernelUcode(t *testing.T) {
	s := mustParse(t, "ucode.yml", string(readTestdata(t, "valid/ucode.yml")))
	if s.Kernel.UCode == nil || *s.Kernel.UCode != "intel-ucode.img" || s.Kernel.Tar != nil {
		t.Errorf("kernel = %+v", s.Kernel)
	}
	s = mustParse(t, "arm.yml", "kernel:\n  image: linuxkit/kernel:6.12.59\n  ucode: \"\"\n  tar: none\n")
	if s.Kernel.UCode == nil || *s.Kernel.UCode != "" || *s.Kernel.Tar != "none" {
		t.Errorf("empty ucode must stay set: %+v", s.Kernel)
	}
}

func TestEverythingShape(t *testing.T) {
	s := mustParse(t, "dir/everything.yml", string(readTestdata(t, "valid/everything.yml")))
	web := s.Services[0]
	if *web.UID != (ID{Name: "web"}) || *web.GID != (ID{Number: 101}) || (*web.AdditionalGids)[1] != (ID{Number: 0}) {
		t.Errorf("ids = %v %v %v", web.UID, web.GID, web.AdditionalGids)
	}
	r := web.Resources
	if *r.Memory.Limit != 268435456 || *r.CPU.Shares != 512 || r.Pids.Limit != 100 || *r.BlockIO.Weight != 300 {
		t.Errorf("resources = %+v", r)
	}
	// camelCase (linuxkit's schema) and lower case (linuxkit's decoder)
	// both reach the runtime-spec fields.
	if (*web.UIDMappings)[0].HostID != 100000 || (*web.GIDMappings)[0].HostID != 100000 {
		t.Errorf("id mappings = %+v %+v", web.UIDMappings, web.GIDMappings)
	}
	if web.Sysctl != nil || (*s.Onboot[0].Sysctl)["net.ipv4.ip_forward"] != "1" {
		t.Errorf("sysctl = %v", s.Onboot[0].Sysctl)
	}
	if *web.OOMScoreAdj != -500 || !*web.NoNewPrivileges || *web.Runtime.Namespace != "services.linuxkit" {
		t.Errorf("web = %+v", web.ImageConfig)
	}
	if s.Files[4].BaseDir != "dir" {
		t.Errorf("BaseDir = %q", s.Files[4].BaseDir)
	}
}

func TestTrustIsAWarning(t *testing.T) {
	s := mustParse(t, "t.yml", "trust:\n  org:\n    - linuxkit\nservices: []\n")
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0].Error(), "t.yml:2:3: trust: the trust section is deprecated") {
		t.Errorf("warnings = %v", s.Warnings)
	}
	y, err := s.Canonical()
	if err != nil || strings.Contains(string(y), "trust") {
		t.Errorf("canonical keeps trust: %s %v", y, err)
	}
}

func TestMergeKeysAndAliases(t *testing.T) {
	s := mustParse(t, "a.yml", `
onboot:
  - &common
    name: one
    image: busybox:1.36
    net: host
    command: &cmd ["/bin/true"]
  - <<: *common
    name: two
    command: *cmd
`[1:])
	two := s.Onboot[1]
	if two.Name != "two" || two.Image != "busybox:1.36" || two.Net != "host" || (*two.Command)[0] != "/bin/true" {
		t.Errorf("merged entry = %+v", two)
	}
}

func TestParseImageConfigLabel(t *testing.T) {
	c, err := ParseImageConfig("label", []byte(`{"binds":["/dev:/dev"],"capabilities":["all"],"pid":"host","uidMappings":[{"containerID":0,"hostID":1000,"size":1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if (*c.Capabilities)[0] != "all" || c.Pid != "host" || (*c.UIDMappings)[0].HostID != 1000 {
		t.Errorf("label = %+v", c)
	}
	_, err = ParseImageConfig("img label", []byte(`{"name":"x","capabilities":["CAP_FOO"]}`))
	for _, want := range []string{"img label:1:9: name: name cannot be set", `img label:1:29: capabilities[0]: unknown capability "CAP_FOO"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not contain %q", err, want)
		}
	}
	if _, err := ParseImageConfig("l", []byte(`[1]`)); err == nil || !strings.Contains(err.Error(), "must be a mapping") {
		t.Errorf("array label: %v", err)
	}
}

// A spec past the decode budget reports the decoder's own "too large" error
// with its position; it used to panic on the partial list's nil entry.
func TestParseOverBudget(t *testing.T) {
	cases := map[string]func(*strings.Builder){
		"services": func(b *strings.Builder) {
			b.WriteString("kernel:\n  image: k\nservices:\n")
			for i := 0; i < 70000; i++ {
				fmt.Fprintf(b, "  - name: s%d\n    image: i\n", i)
			}
		},
		"files": func(b *strings.Builder) {
			b.WriteString("kernel:\n  image: k\nfiles:\n")
			for i := 0; i < 210000; i++ {
				fmt.Fprintf(b, "  - path: f%d\n", i)
			}
		},
		"merge-key bomb": func(b *strings.Builder) {
			b.WriteString("a0: &a0 {x: 1}\n")
			for i := 1; i < 30; i++ {
				fmt.Fprintf(b, "a%d: &a%d {<<: [*a%d, *a%d, *a%d, *a%d]}\n", i, i, i-1, i-1, i-1, i-1)
			}
			b.WriteString("kernel:\n  image: k\n  <<: *a29\n")
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			build(&b)
			_, err := Parse("big.yml", []byte(b.String()))
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if strings.Contains(msg, "runtime error") || strings.Contains(msg, "nil pointer") {
				t.Fatalf("panicked: %v", msg)
			}
			if !strings.Contains(msg, "big.yml:") || !(strings.Contains(msg, "too large") || strings.Contains(msg, "alias")) {
				t.Fatalf("want the decoder's file:line error, got %.300s", msg)
			}
		})
	}
}

// files[].path errors surface at parse time, with the file, line and field
// that wrote them, not after the images are pulled.
func TestParseFilePaths(t *testing.T) {
	long := strings.Repeat("a", 256)
	for _, p := range []string{"../../etc/x", "/..", "/", ".", "a/../../b", long, strings.Repeat("a/", 2100) + "b"} {
		data := "kernel:\n  image: k\nfiles:\n  - path: " + strconv.Quote(p) + "\n    contents: x\n"
		_, err := Parse("f.yml", []byte(data))
		if err == nil || !strings.Contains(err.Error(), "f.yml:4:") || !strings.Contains(err.Error(), "files[0].path") {
			t.Errorf("path %.40q: got %v, want an error at f.yml:4 naming files[0].path", p, err)
		}
	}
	nul := "kernel:\n  image: k\nfiles:\n  - path: \"etc/a\\0b\"\n    contents: x\n"
	if _, err := Parse("f.yml", []byte(nul)); err == nil || !strings.Contains(err.Error(), "NUL") {
		t.Errorf("NUL path: got %v", err)
	}
	for _, p := range []string{"etc/x", "/etc/x", "a/../b", "./etc/y/"} {
		data := "kernel:\n  image: k\nfiles:\n  - path: " + strconv.Quote(p) + "\n    contents: x\n"
		if _, err := Parse("f.yml", []byte(data)); err != nil {
			t.Errorf("path %q refused: %v", p, err)
		}
	}
}
