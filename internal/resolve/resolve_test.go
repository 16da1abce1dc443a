package resolve

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/image"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/spec"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// checkout writes a spec and the file its files[].source names into a new
// directory and parses the spec from there.
func checkout(t *testing.T, fx testrig.Fixtures, source string) *spec.Spec {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "data.txt"), []byte(source), 0o644); err != nil {
		t.Fatal(err)
	}
	yml := "kernel:\n  image: " + fx.Kernel + "\n  cmdline: console=ttyS0\ninit:\n  - " + fx.Init +
		"\nservices:\n  - name: web\n    image: " + fx.Service +
		"\nfiles:\n  - path: etc/data\n    source: data.txt\n  - path: etc/opt\n    source: absent.txt\n    optional: true\n"
	name := filepath.Join(dir, "lk.yml")
	s, err := spec.Parse(name, []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	merged, err := spec.Merge(s)
	if err != nil {
		t.Fatal(err)
	}
	return merged
}

// fixtureStore is an empty cache over a loopback registry holding the
// fixture images.
func fixtureStore(t *testing.T) (*image.Store, testrig.Fixtures) {
	t.Helper()
	reg := testrig.StartRegistry(t)
	fx := testrig.PushFixtures(t, reg)
	store, err := image.New(image.Options{CacheDir: filepath.Join(t.TempDir(), "cache"), Arch: "amd64", Insecure: []string{reg.Host}})
	if err != nil {
		t.Fatal(err)
	}
	return store, fx
}

func TestResolvePinsAndDigests(t *testing.T) {
	store, fx := fixtureStore(t)
	ctx := context.Background()
	s := checkout(t, fx, "v1")
	r, err := Resolve(ctx, store, s)
	if err != nil {
		t.Fatal(err)
	}
	wantKernel := strings.TrimSuffix(fx.Kernel, ":test") + "@" + fx.Digests[fx.Kernel]
	if r.Kernel != wantKernel || r.Images["kernel"] != wantKernel {
		t.Errorf("kernel = %q (images %q), want %q", r.Kernel, r.Images["kernel"], wantKernel)
	}
	for _, key := range []string{"init/0", "services/web"} {
		if !strings.Contains(r.Images[key], "@sha256:") {
			t.Errorf("images[%s] = %q, not pinned", key, r.Images[key])
		}
	}
	if n := strings.Count(r.YAML, "@sha256:"); n != 3 {
		t.Errorf("%d pinned references in the YAML:\n%s", n, r.YAML)
	}
	src := r.Spec.Files[0].Source
	if !filepath.IsAbs(src) || filepath.Base(src) != "data.txt" || r.Public.Files[0].Source != "data.txt" {
		t.Errorf("source %q, public source %q", src, r.Public.Files[0].Source)
	}
	if !strings.HasPrefix(r.Digest, "sha256:") || len(r.Digest) != 71 {
		t.Errorf("digest = %q", r.Digest)
	}
	if s.Kernel.Image == r.Spec.Kernel.Image {
		t.Error("Resolve pinned the caller's spec in place")
	}

	// The same content from another directory has the same digest; a
	// changed source file changes it.
	moved, err := Resolve(ctx, store, checkout(t, fx, "v1"))
	if err != nil {
		t.Fatal(err)
	}
	if moved.Digest != r.Digest || moved.Spec.Files[0].Source == src {
		t.Errorf("moved checkout: digest %s (want %s), source %s", moved.Digest, r.Digest, moved.Spec.Files[0].Source)
	}
	changed, err := Resolve(ctx, store, checkout(t, fx, "v2"))
	if err != nil {
		t.Fatal(err)
	}
	if changed.Digest == r.Digest {
		t.Error("a changed source file kept the digest")
	}
}

func TestResolveMissingSource(t *testing.T) {
	store, fx := fixtureStore(t)
	s := checkout(t, fx, "v1")
	s.Files[0].Source = "gone.txt"
	_, err := Resolve(context.Background(), store, s)
	if err == nil || !strings.Contains(err.Error(), "files[0] (etc/data)") || !strings.Contains(err.Error(), "gone.txt") {
		t.Errorf("missing source: %v", err)
	}
}
