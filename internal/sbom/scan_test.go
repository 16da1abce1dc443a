package sbom

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func scanFixture(t *testing.T, data []byte, lim Limits) *Result {
	t.Helper()
	res, err := Scan(context.Background(), bytes.NewReader(data), lim)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func purls(res *Result) []string {
	var out []string
	for _, p := range res.Packages {
		out = append(out, purl(p))
	}
	return out
}

func TestScanDatabases(t *testing.T) {
	res := scanFixture(t, tarOf(t, fixtureFiles...), Limits{})
	want := []string{
		"pkg:apk/alpine/busybox@1.37.0-r12?arch=x86_64",
		"pkg:apk/alpine/musl@1.2.5-r9?arch=x86_64",
		"pkg:apk/busybox@1.37.0-r12?arch=x86_64", // alp2 has no os-release
		"pkg:apk/musl@1.2.5-r9?arch=x86_64",
		"pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64",
		"pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=amd64",
	}
	if got := purls(res); !reflect.DeepEqual(got, want) {
		t.Fatalf("purls:\n got %q\nwant %q", got, want)
	}
	if l := res.Packages[0].Locations; len(l) != 1 || l[0] != "containers/services/alp/lower/lib/apk/db/installed" {
		t.Errorf("locations %q", l)
	}
	if res.Packages[0].License != "GPL-2.0-only" {
		t.Errorf("license %q", res.Packages[0].License)
	}
}

func TestScanMergesLocations(t *testing.T) {
	files := append([]string{}, fixtureFiles...)
	files = append(files, "containers/services/alp2/lower/etc/os-release", "ID=alpine\n")
	res := scanFixture(t, tarOf(t, files...), Limits{})
	if len(res.Packages) != 4 {
		t.Fatalf("packages %q", purls(res))
	}
	if l := res.Packages[0].Locations; len(l) != 2 {
		t.Errorf("busybox locations %q, want both roots", l)
	}
}

// goBinary builds testdata/gobin, a binary with module dependencies.
func goBinary(t *testing.T) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "gobin")
	cmd := exec.Command("go", "build", "-trimpath", "-o", exe, "./testdata/gobin")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return exe
}

// TestScanGoBinary puts a Go binary into the filesystem and checks the
// modules Scan reads against debug/buildinfo's reading of the same file.
func TestScanGoBinary(t *testing.T) {
	exe := goBinary(t)
	info, err := buildinfo.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Deps) == 0 {
		t.Fatal("the test binary has no dependencies: the test proves too little")
	}
	body, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	res := scanFixture(t, tarOf(t, "usr/bin/tool", string(body)), Limits{})
	want := map[string]bool{"pkg:golang/stdlib@" + escape(info.GoVersion): true}
	if info.Main.Path != "" {
		want[purl(Package{Type: "golang", Name: info.Main.Path, Version: info.Main.Version})] = true
	}
	for _, d := range info.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		want[purl(Package{Type: "golang", Name: d.Path, Version: d.Version})] = true
	}
	got := map[string]bool{}
	for _, p := range res.Packages {
		got[purl(p)] = true
		if p.Locations[0] != "usr/bin/tool" {
			t.Errorf("%s found in %q", purl(p), p.Locations)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("go modules:\n got %v\nwant %v", got, want)
	}
}

func TestScanHostile(t *testing.T) {
	huge := strings.Repeat("Package: x\nVersion: "+strings.Repeat("9", 200<<10)+"\n\n", 3)
	many := strings.Repeat("P:p\nV:1\n\nP:q\nV:2\n\n", 5)
	var manyNames strings.Builder
	for i := 0; i < 50; i++ {
		manyNames.WriteString("P:n" + strings.Repeat("x", i) + "\nV:1\n\n")
	}
	data := tarOf(t,
		"../../../var/lib/dpkg/status", huge,
		"/abs/lib/apk/db/installed", "P\nP:\n:::\nV:\n\x00\xff\n\n"+many,
		"x/lib/apk/db/installed", manyNames.String(),
		"bin/fake", "\x7fELF"+string(buildInfoMagic)+strings.Repeat("\x00", 100),
		"bin/trunc", "\x7fELF\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"+string(buildInfoMagic)+"\x08\x02"+strings.Repeat("\x00", 16)+"\xff\xff\xff\xff\xff\x01",
	)
	res := scanFixture(t, data, Limits{Line: 4096, Packages: 10})
	for _, p := range res.Packages {
		if strings.Contains(strings.Join(p.Locations, " "), "..") || strings.HasPrefix(p.Locations[0], "/") {
			t.Errorf("unclean location %q", p.Locations)
		}
		if len(p.Version) > 4096 {
			t.Errorf("kept a %d-byte version", len(p.Version))
		}
	}
	if len(res.Packages) != 10 || res.Dropped == 0 {
		t.Errorf("packages %d dropped %d, want the limit of 10 and some dropped", len(res.Packages), res.Dropped)
	}
	// A cut tar stream is an error, not a panic.
	if _, err := Scan(context.Background(), bytes.NewReader(data[:len(data)/2+7]), Limits{}); err == nil {
		t.Error("a truncated stream scanned without error")
	}
}

func FuzzScan(f *testing.F) {
	f.Add(tarOf(f, fixtureFiles...))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Scan(context.Background(), bytes.NewReader(data), Limits{Packages: 100, Line: 512})
	})
}

func FuzzStanzas(f *testing.F) {
	f.Add([]byte(dpkgFixture))
	f.Add([]byte(apkFixture))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		_ = readStanzas(bytes.NewReader(data), 64, dpkgFields, func(p Package) {
			n++
			if len(p.Name) > 64 || len(p.Version) > 64 {
				t.Fatalf("kept a field longer than a line: %q", p.Name)
			}
		})
		if lines := bytes.Count(data, []byte("\n")) + 1; n > lines {
			t.Fatalf("%d stanzas from %d lines", n, lines)
		}
	})
}

// TestScanDistroless reads the per-package status.d files distroless
// images carry instead of one status file.
func TestScanDistroless(t *testing.T) {
	res := scanFixture(t, tarOf(t,
		"etc/os-release", "ID=debian\n",
		"var/lib/dpkg/status.d/tzdata", "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
		"var/lib/dpkg/status.d/tzdata.md5sums", "0123  usr/share/zoneinfo/UTC\n",
	), Limits{})
	if got := purls(res); !reflect.DeepEqual(got, []string{"pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all"}) {
		t.Errorf("purls %q", got)
	}
}
