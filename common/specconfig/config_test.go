package specconfig

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/image"
)

func TestStoreOptionsKeepsThePolicyError(t *testing.T) {
	c := &SpecConfig{Pull: "sometimes", CacheDir: t.TempDir()}
	if _, err := c.StoreOptions(); err == nil || !strings.Contains(err.Error(), "pull") {
		t.Errorf("StoreOptions with pull %q: %v", c.Pull, err)
	}
	if _, err := c.OpenStore(nil); err == nil {
		t.Error("OpenStore opened a store with an invalid pull policy")
	}
	c.Pull = "never"
	opts, err := c.StoreOptions()
	if err != nil || opts.Pull != image.PullNever || opts.CacheDir != c.CacheDir {
		t.Errorf("StoreOptions = %+v, %v", opts, err)
	}
}

func TestResolveRefusesAnUnknownSpec(t *testing.T) {
	c := &SpecConfig{Spec: UnknownValue, CacheDir: filepath.Join(t.TempDir(), "cache")}
	if errs := c.Validate(); len(errs) != 0 {
		t.Fatalf("Validate of an unknown spec: %v", errs)
	}
	store, err := c.OpenStore(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Resolve(context.Background(), store)
	if err == nil || !strings.Contains(err.Error(), "-evaluate-datasources") {
		t.Errorf("Resolve of an unknown spec: %v", err)
	}
}
