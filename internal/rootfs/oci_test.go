package rootfs

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// TestOCILayoutVolume writes a volume as an OCI layout, extracts it with
// GNU tar and reads it back with go-containerregistry's layout package.
func TestOCILayoutVolume(t *testing.T) {
	tarBin := needTool(t, "tar")
	amd, err := random.Image(1024, 2)
	if err != nil {
		t.Fatal(err)
	}
	arm, err := random.Image(1024, 1)
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
	)
	vol := volume("v", nil)
	vol.OCI = &OCILayout{
		Index: idx, RefName: "docker.io/library/x:1", Platforms: []v1.Platform{{OS: "linux", Architecture: "amd64"}},
	}
	o := build(t, &Plan{Volumes: []Volume{vol}})
	armDigest, _ := arm.Digest()
	if o.has("containers/volumes/v/lower/blobs/sha256/" + armDigest.Hex) {
		t.Error("arm64 image written although not selected")
	}
	dir := t.TempDir()
	archive := filepath.Join(dir, "out.tar")
	if err := os.WriteFile(archive, o.raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(tarBin, "-xf", archive, "-C", dir).CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, b)
	}
	lp, err := layout.FromPath(filepath.Join(dir, "containers/volumes/v/lower"))
	if err != nil {
		t.Fatal(err)
	}
	top, err := lp.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	tm, err := top.IndexManifest()
	if err != nil || len(tm.Manifests) != 1 || tm.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != "docker.io/library/x:1" {
		t.Fatalf("index.json: %+v %v", tm, err)
	}
	inner, err := top.ImageIndex(tm.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	amdDigest, _ := amd.Digest()
	img, err := inner.Image(amdDigest)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(img); err != nil {
		t.Errorf("image read back from the layout: %v", err)
	}
	if !o.has("containers/volumes/v/tmp") || !o.has("containers/volumes/v/merged") {
		t.Error("volume mount points missing")
	}
}
