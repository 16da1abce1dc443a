package spec

import (
	"reflect"
	"strings"
	"testing"
)

const dig = "sha256:4f8c7f3c1c5b9e5c0f44bfa7e7e3e1d5c4c0b1a3c7d8e9f0a1b2c3d4e5f60718"

func TestNormalizeRef(t *testing.T) {
	tests := []struct{ in, want string }{
		{"nginx", "docker.io/library/nginx:latest"},
		{"nginx:1.27-alpine", "docker.io/library/nginx:1.27-alpine"},
		{"library/nginx", "docker.io/library/nginx:latest"},
		{"docker.io/nginx", "docker.io/library/nginx:latest"},
		{"index.docker.io/library/nginx:1", "docker.io/library/nginx:1"},
		{"linuxkit/init:v1.0", "docker.io/linuxkit/init:v1.0"},
		{"linuxkit/init:b5506cc74a6812dc40982cacfd2f4328f8a4b12a", "docker.io/linuxkit/init:b5506cc74a6812dc40982cacfd2f4328f8a4b12a"},
		{"127.0.0.2:5000/x/y:t", "127.0.0.2:5000/x/y:t"},
		{"127.0.0.2:5000/x/y", "127.0.0.2:5000/x/y:latest"},
		{"localhost/x", "localhost/x:latest"},
		{"ghcr.io/org/img:v2", "ghcr.io/org/img:v2"},
		{"alpine@" + dig, "docker.io/library/alpine@" + dig},
		{"alpine:3.21@" + dig, "docker.io/library/alpine:3.21@" + dig},
		{"127.0.0.2:5000/x/y@" + dig, "127.0.0.2:5000/x/y@" + dig},
		{"127.0.0.2:5000/x/y:t@" + dig, "127.0.0.2:5000/x/y:t@" + dig},
		{"docker.io/library/nginx:latest", "docker.io/library/nginx:latest"},
	}
	for _, tc := range tests {
		got, err := NormalizeRef(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeRef(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			continue
		}
		again, err := NormalizeRef(got)
		if err != nil || again != got {
			t.Errorf("NormalizeRef is not idempotent on %q: %q %v", got, again, err)
		}
	}
	for _, bad := range []string{"", " nginx", "nginx ", "Nginx", "nginx:", "nginx@sha256:abc", "a@b@c", "https://docker.io/nginx", "@pkg:./pkg/init", "x:tag:with:colons/y", "nginx:bad tag"} {
		if got, err := NormalizeRef(bad); err == nil {
			t.Errorf("NormalizeRef(%q) = %q, want an error", bad, got)
		}
	}
}

func TestImagesKeys(t *testing.T) {
	s := mustParse(t, "v.yml", string(readTestdata(t, "valid/volumes.yml")))
	var keys []string
	refs := map[string]string{}
	for _, u := range s.Images() {
		keys = append(keys, u.Key)
		refs[u.Key] = u.Ref
	}
	want := []string{
		"kernel", "init/0", "init/1", "init/2",
		"onboot/000-netup", "onboot/001-warm-cache", "onshutdown/000-flush",
		"services/static-site", "services/metrics", "volumes/site",
	}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("keys = %q\nwant %q", keys, want)
	}
	if refs["onshutdown/000-flush"] != "docker.io/library/busybox:1.36" || refs["kernel"] != "docker.io/lkexample/kernel:6.6.80" {
		t.Errorf("refs = %v", refs)
	}
	if got := BundleDir("onboot", 7, "netup"); got != "containers/onboot/007-netup" {
		t.Errorf("BundleDir = %q", got)
	}
	if got := BundleDir("services", 7, "static-site"); got != "containers/services/static-site" {
		t.Errorf("BundleDir = %q", got)
	}
}

func TestPin(t *testing.T) {
	s := mustParse(t, "v.yml", string(readTestdata(t, "valid/volumes.yml")))
	pinned := map[string]string{}
	for i, u := range s.Images() {
		d := strings.Replace(dig, "4f8c", "%04d", 1)
		pinned[u.Ref] = u.Ref + "@" + strings.Replace(d, "%04d", string(rune('a'+i%6))+"bcd", 1)
	}
	p, err := s.Pin(pinned)
	if err != nil {
		t.Fatal(err)
	}
	if !hasDigest(p.Kernel.Image) || !strings.HasPrefix(p.Kernel.Image, "docker.io/lkexample/kernel:6.6.80@sha256:") {
		t.Errorf("kernel = %q", p.Kernel.Image)
	}
	for _, u := range p.Images() {
		if !hasDigest(u.Ref) || pinned[strings.Split(u.Ref, "@")[0]] != u.Ref {
			t.Errorf("%s not pinned: %s", u.Key, u.Ref)
		}
	}
	if s.Kernel.Image != "lkexample/kernel:6.6.80" {
		t.Error("Pin modified its receiver")
	}
	// Pinning is stable: pinning a pinned spec keeps it.
	if again, err := p.Pin(map[string]string{}); err != nil || again.Services[0].Image != p.Services[0].Image {
		t.Errorf("re-pin: %v", err)
	}

	delete(pinned, "docker.io/library/httpd:2.4.62-alpine")
	delete(pinned, "docker.io/lkexample/init:0.9.1")
	_, err = s.Pin(pinned)
	for _, want := range []string{
		"v.yml:7:5: init[0]: image docker.io/lkexample/init:0.9.1 has no pinned digest",
		"v.yml:20:12: services[0].image: image docker.io/library/httpd:2.4.62-alpine has no pinned digest",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\nmissing %q", err, want)
		}
	}
	if _, err := s.Pin(map[string]string{"docker.io/lkexample/kernel:6.6.80": "not a digest"}); err == nil || !strings.Contains(err.Error(), "is not a reference with a sha256 digest") {
		t.Errorf("bad pin value: %v", err)
	}
}

func TestContainerIDs(t *testing.T) {
	s := mustParse(t, "v.yml", string(readTestdata(t, "valid/volumes.yml")))
	want := IDMap{"netup": 100, "warm-cache": 101, "flush": 102, "static-site": 103, "metrics": 104}
	if got := s.ContainerIDs(); !reflect.DeepEqual(got, want) {
		t.Errorf("ContainerIDs = %v, want %v", got, want)
	}
}
