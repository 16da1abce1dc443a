package image

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestMirrorRecordsTheOriginalReference(t *testing.T) {
	hermeticDocker(t, nil)
	mirror := startRegistry(t)
	fx := fixtureIndex(t, 60)
	d := mirror.pushIndex(t, "library/nginx:1.27", fx.idx)
	img := fixtureImage(t, 61, "amd64", 1)
	mirror.pushImage(t, "ghcr/org/tool:v2", img)
	dir := t.TempDir()
	s := newStore(t, dir, func(o *Options) {
		insecure(mirror)(o)
		o.Mirrors = map[string]string{
			"index.docker.io": mirror.host,                       // folded onto docker.io
			"ghcr.io":         "http://" + mirror.host + "/ghcr", // with a path prefix
		}
	})
	got, err := s.Pull(context.Background(), []string{"nginx:1.27", "ghcr.io/org/tool:v2"})
	if err != nil {
		t.Fatal(err)
	}
	p := got["nginx:1.27"]
	if p.Ref != "docker.io/library/nginx:1.27" || p.Digest != d || p.Pinned != "docker.io/library/nginx@"+d.String() {
		t.Fatalf("Pinned = %+v", p)
	}
	if got["ghcr.io/org/tool:v2"].Ref != "ghcr.io/org/tool:v2" {
		t.Fatalf("Pinned = %+v", got["ghcr.io/org/tool:v2"])
	}
	for _, r := range []string{"docker.io/library/nginx:1.27", "ghcr.io/org/tool:v2"} {
		if n := countEntries(t, dir, r); n != 1 {
			t.Fatalf("index.json has %d entries for %s, want 1", n, r)
		}
	}
	checkImage(t, s, "docker.io/library/nginx:1.27", fx.amd64)
	checkImage(t, s, "ghcr.io/org/tool:v2", img)
}

func TestInsecureIsRequiredForPlainHTTP(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	reg.pushImage(t, "lk/app:v1", fixtureImage(t, 62, "amd64", 1))
	ref := reg.host + "/lk/app:v1"

	strict := newStore(t, t.TempDir(), nil)
	_, err := strict.Pull(context.Background(), []string{ref})
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("pull from a plain-HTTP registry without insecure: %v, want ErrUnreachable", err)
	}
	for _, w := range []string{ref, "registry " + reg.host, "insecure_registries"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	pullOne(t, newStore(t, t.TempDir(), insecure(reg)), ref)
}

func TestInsecureSkipsCertificateCheck(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t, withTLS())
	reg.pushImage(t, "lk/app:v1", fixtureImage(t, 63, "amd64", 1))
	ref := reg.host + "/lk/app:v1"

	_, err := newStore(t, t.TempDir(), nil).Pull(context.Background(), []string{ref})
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "certificate") || !strings.Contains(err.Error(), ref) {
		t.Fatalf("pull from a self-signed HTTPS registry: %v, want ErrUnreachable about the certificate", err)
	}
	pullOne(t, newStore(t, t.TempDir(), insecure(reg)), ref)
}
