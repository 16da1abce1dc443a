package image

import (
	"path/filepath"
	"testing"
)

func TestNormalize(t *testing.T) {
	const d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for in, want := range map[string]string{
		"nginx":                         "docker.io/library/nginx:latest",
		"nginx:1.27":                    "docker.io/library/nginx:1.27",
		"linuxkit/init:v1.2":            "docker.io/linuxkit/init:v1.2",
		"docker.io/nginx":               "docker.io/library/nginx:latest",
		"index.docker.io/library/nginx": "docker.io/library/nginx:latest",
		"nginx@" + d:                    "docker.io/library/nginx@" + d,
		"nginx:1.27@" + d:               "docker.io/library/nginx:1.27@" + d,
		"localhost:5000/x/y":            "localhost:5000/x/y:latest",
		"127.0.0.2:5000/x:t":            "127.0.0.2:5000/x:t",
		"ghcr.io/org/app:v1":            "ghcr.io/org/app:v1",
	} {
		got, err := Normalize(in)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "Nginx", "nginx@sha256:abc", "nginx:", "a b"} {
		if got, err := Normalize(bad); err == nil {
			t.Errorf("Normalize(%q) = %q, want an error", bad, got)
		}
	}
}

func TestParsePolicy(t *testing.T) {
	for in, want := range map[string]Policy{"": PullMissing, "missing": PullMissing, "Always": PullAlways, "never": PullNever} {
		got, err := ParsePolicy(in)
		if err != nil || got != want {
			t.Errorf("ParsePolicy(%q) = %v, %v", in, got, err)
		}
		if in != "" && got.String() != map[Policy]string{PullMissing: "missing", PullAlways: "always", PullNever: "never"}[got] {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
	if _, err := ParsePolicy("sometimes"); err == nil {
		t.Error("ParsePolicy(sometimes) succeeded")
	}
}

func TestDefaultCacheDir(t *testing.T) {
	t.Setenv("LINUXKIT_CACHE", "/tmp/lk-cache")
	if got := DefaultCacheDir(); got != "/tmp/lk-cache" {
		t.Errorf("with LINUXKIT_CACHE: %q", got)
	}
	t.Setenv("LINUXKIT_CACHE", "")
	t.Setenv("HOME", "/home/someone")
	if got := DefaultCacheDir(); got != filepath.Join("/home/someone", ".linuxkit", "cache") {
		t.Errorf("without LINUXKIT_CACHE: %q", got)
	}
}

func TestOptionsValidation(t *testing.T) {
	for name, o := range map[string]Options{
		"arch":          {Arch: "riscv64"},
		"policy":        {Pull: Policy(7)},
		"mirror key":    {Mirrors: map[string]string{"": "x"}},
		"mirror target": {Mirrors: map[string]string{"docker.io": "bad host/"}},
		"insecure":      {Insecure: []string{"a b"}},
	} {
		o.CacheDir = t.TempDir()
		if _, err := New(o); err == nil {
			t.Errorf("%s: New accepted %+v", name, o)
		}
	}
	s, err := New(Options{CacheDir: t.TempDir(), Arch: "x86_64"})
	if err != nil || s.Arch() != "amd64" {
		t.Fatalf("New: %v, arch %q", err, s.Arch())
	}
}
