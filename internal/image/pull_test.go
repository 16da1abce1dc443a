package image

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// digestOf returns img's manifest digest.
func digestOf(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// pullOne pulls a single ref and returns its Pinned.
func pullOne(t *testing.T, s *Store, ref string) Pinned {
	t.Helper()
	got, err := s.Pull(context.Background(), []string{ref})
	if err != nil {
		t.Fatalf("Pull(%s): %v", ref, err)
	}
	return got[ref]
}

// checkImage asserts that s.Image(ref) is want, fully readable and valid.
func checkImage(t *testing.T, s *Store, ref string, want v1.Image) {
	t.Helper()
	img, err := s.Image(ref)
	if err != nil {
		t.Fatalf("Image(%s): %v", ref, err)
	}
	if got, w := digestOf(t, img), digestOf(t, want); got != w {
		t.Fatalf("Image(%s) digest = %s, want %s", ref, got, w)
	}
	if err := validate.Image(img); err != nil {
		t.Fatalf("Image(%s) does not validate: %v", ref, err)
	}
}

func TestPullByTagMultiArch(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	fx := fixtureIndex(t, 1)
	idxDigest := reg.pushIndex(t, "lk/app:v1", fx.idx)
	s := newStore(t, t.TempDir(), insecure(reg))

	ref := reg.host + "/lk/app:v1"
	p := pullOne(t, s, ref)
	if p.Ref != ref || p.Digest != idxDigest || p.Pinned != reg.host+"/lk/app@"+idxDigest.String() {
		t.Fatalf("Pinned = %+v, want digest %s", p, idxDigest)
	}
	checkImage(t, s, ref, fx.amd64)
	checkImage(t, s, reg.host+"/lk/app@"+idxDigest.String(), fx.amd64)

	// Only the selected platform's blobs are stored, as linuxkit does.
	armLayers, _ := fx.arm.Layers()
	d, _ := armLayers[0].Digest()
	if _, err := os.Stat(filepath.Join(s.CacheDir(), "blobs", "sha256", d.Hex)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("arm64 layer %s was stored: %v", d, err)
	}
}

func TestPullByDigest(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	img := fixtureImage(t, 2, "amd64", 3)
	d := reg.pushImage(t, "lk/single:v1", img)
	fx := fixtureIndex(t, 3)
	reg.pushIndex(t, "lk/multi:v1", fx.idx)
	s := newStore(t, t.TempDir(), insecure(reg))

	// By digest, with and without a tag.
	for _, ref := range []string{reg.host + "/lk/single@" + d.String(), reg.host + "/lk/single:v1@" + d.String()} {
		p := pullOne(t, s, ref)
		if p.Digest != d || p.Ref != ref {
			t.Fatalf("Pull(%s) = %+v", ref, p)
		}
		checkImage(t, s, ref, img)
	}
	// A platform manifest's own digest works too.
	armRef := reg.host + "/lk/multi@" + digestOf(t, fx.arm).String()
	s2 := newStore(t, s.CacheDir(), func(o *Options) { insecure(reg)(o); o.Arch = "arm64" })
	p := pullOne(t, s2, armRef)
	if p.Digest != digestOf(t, fx.arm) {
		t.Fatalf("Pull(%s) = %+v", armRef, p)
	}
	checkImage(t, s2, armRef, fx.arm)
}

func TestArchSelection(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	fx := fixtureIndex(t, 4)
	reg.pushIndex(t, "lk/app:v1", fx.idx)
	ref := reg.host + "/lk/app:v1"
	dir := t.TempDir()

	arm := newStore(t, dir, func(o *Options) { insecure(reg)(o); o.Arch = "aarch64" })
	pullOne(t, arm, ref)
	checkImage(t, arm, ref, fx.arm)

	// The same cache entry then serves amd64 after fetching its blobs.
	amd := newStore(t, dir, insecure(reg))
	pullOne(t, amd, ref)
	checkImage(t, amd, ref, fx.amd64)
	checkImage(t, arm, ref, fx.arm)

	// An index without the platform, and a single image of another arch.
	reg.pushIndex(t, "lk/amdonly:v1", fixtureIndexAmdOnly(t))
	reg.pushImage(t, "lk/armimg:v1", fixtureImage(t, 5, "arm64", 1))
	_, err := arm.Pull(context.Background(), []string{reg.host + "/lk/amdonly:v1"})
	if !errors.Is(err, ErrPlatform) || !strings.Contains(err.Error(), reg.host+"/lk/amdonly:v1") ||
		!strings.Contains(err.Error(), "linux/arm64") || !strings.Contains(err.Error(), "has: linux/amd64") {
		t.Fatalf("arm64 pull of an amd64-only index: %v, want ErrPlatform naming image and platforms", err)
	}
	pullOne(t, arm, reg.host+"/lk/armimg:v1")
	_, err = amd.Pull(context.Background(), []string{reg.host + "/lk/armimg:v1"})
	if !errors.Is(err, ErrPlatform) || !strings.Contains(err.Error(), "not linux/amd64") {
		t.Fatalf("amd64 pull of an arm64 image: %v, want ErrPlatform", err)
	}
}

// fixtureIndexAmdOnly is an index with only an amd64 image.
func fixtureIndexAmdOnly(t *testing.T) v1.ImageIndex {
	return mutate.AppendManifests(empty.Index, mutate.IndexAddendum{
		Add:        fixtureImage(t, 6, "amd64", 1),
		Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}},
	})
}

func TestCacheHitNeedsNoNetwork(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	fx := fixtureIndex(t, 7)
	idxDigest := reg.pushIndex(t, "lk/app:v1", fx.idx)
	tagRef := reg.host + "/lk/app:v1"
	digRef := reg.host + "/lk/app@" + idxDigest.String()
	dir := t.TempDir()
	s := newStore(t, dir, insecure(reg))
	if _, err := s.Pull(context.Background(), []string{tagRef, digRef}); err != nil {
		t.Fatal(err)
	}

	before := reg.hits.Load()
	if _, err := s.Pull(context.Background(), []string{tagRef, digRef}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Resolve(context.Background(), tagRef); err != nil {
		t.Fatal(err)
	}
	if n := reg.hits.Load() - before; n != 0 {
		t.Fatalf("cached pull made %d registry requests, want 0", n)
	}

	reg.srv.Close()
	for _, pol := range []Policy{PullMissing, PullNever} {
		s := newStore(t, dir, func(o *Options) { insecure(reg)(o); o.Pull = pol })
		got, err := s.Pull(context.Background(), []string{tagRef, digRef})
		if err != nil {
			t.Fatalf("pull=%s with the registry down: %v", pol, err)
		}
		if got[tagRef].Digest != idxDigest || got[digRef].Digest != idxDigest {
			t.Fatalf("pull=%s: %+v", pol, got)
		}
		checkImage(t, s, tagRef, fx.amd64)
	}
}

func TestPullNeverListsEveryMissingImage(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	reg.pushImage(t, "lk/a:v1", fixtureImage(t, 8, "amd64", 1))
	dir := t.TempDir()
	pullOne(t, newStore(t, dir, insecure(reg)), reg.host+"/lk/a:v1")

	s := newStore(t, dir, func(o *Options) { insecure(reg)(o); o.Pull = PullNever })
	before := reg.hits.Load()
	refs := []string{reg.host + "/lk/a:v1", "alpine:3.20", reg.host + "/lk/b@sha256:" + strings.Repeat("ab", 32)}
	_, err := s.Pull(context.Background(), refs)
	var me *MissingError
	if !errors.As(err, &me) || !errors.Is(err, ErrNotCached) {
		t.Fatalf("error = %v, want *MissingError wrapping ErrNotCached", err)
	}
	want := []string{refs[2], "docker.io/library/alpine:3.20"} // sorted
	var got []string
	for _, ie := range me.Errs {
		got = append(got, ie.Ref)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("missing = %v, want %v", got, want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not name %s", err, w)
		}
	}
	if strings.Contains(err.Error(), "lk/a:v1") {
		t.Errorf("error names the cached image: %v", err)
	}
	if _, err := s.Resolve(context.Background(), "alpine:3.20"); !errors.Is(err, ErrNotCached) {
		t.Errorf("Resolve with pull=never: %v, want ErrNotCached", err)
	}
	if n := reg.hits.Load() - before; n != 0 {
		t.Fatalf("pull=never made %d registry requests", n)
	}
}

func TestPullAlwaysFollowsMovedTag(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	ref := reg.host + "/lk/app:stable"
	d1 := reg.pushImage(t, "lk/app:stable", fixtureImage(t, 9, "amd64", 1))
	dir := t.TempDir()
	missing := newStore(t, dir, insecure(reg))
	always := newStore(t, dir, func(o *Options) { insecure(reg)(o); o.Pull = PullAlways })
	if p := pullOne(t, missing, ref); p.Digest != d1 {
		t.Fatalf("first pull = %s, want %s", p.Digest, d1)
	}

	img2 := fixtureImage(t, 10, "amd64", 1)
	d2 := reg.pushImage(t, "lk/app:stable", img2)
	if p := pullOne(t, missing, ref); p.Digest != d1 {
		t.Fatalf("pull=missing after the move = %s, want the cached %s", p.Digest, d1)
	}
	if p, err := always.Resolve(context.Background(), ref); err != nil || p.Digest != d2 {
		t.Fatalf("Resolve pull=always = %v, %v; want %s", p, err, d2)
	}
	if p := pullOne(t, always, ref); p.Digest != d2 {
		t.Fatalf("pull=always = %s, want %s", p.Digest, d2)
	}
	checkImage(t, missing, ref, img2)
	if n := countEntries(t, dir, ref); n != 1 {
		t.Fatalf("index.json has %d entries for %s, want 1", n, ref)
	}
}

func TestResolveDownloadsNoLayers(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	fx := fixtureIndex(t, 11)
	d := reg.pushIndex(t, "lk/app:v1", fx.idx)
	s := newStore(t, t.TempDir(), insecure(reg))
	p, err := s.Resolve(context.Background(), reg.host+"/lk/app:v1")
	if err != nil || p.Digest != d {
		t.Fatalf("Resolve = %+v, %v; want %s", p, err, d)
	}
	entries, _ := os.ReadDir(filepath.Join(s.CacheDir(), "blobs", "sha256"))
	if len(entries) != 0 {
		t.Fatalf("Resolve wrote %d blobs", len(entries))
	}
	before := reg.hits.Load()
	dref := "example.invalid/x@" + d.String()
	if p, err := s.Resolve(context.Background(), dref); err != nil || p.Digest != d || p.Pinned != dref {
		t.Fatalf("Resolve(digest) = %+v, %v", p, err)
	}
	if reg.hits.Load() != before {
		t.Fatal("Resolve of a digest reference used the network")
	}
}

func TestProgressAndParallelBound(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	img := fixtureImage(t, 12, "amd64", 8)
	reg.pushImage(t, "lk/big:v1", img)
	var (
		mu     sync.Mutex
		events []Progress
	)
	s := newStore(t, t.TempDir(), func(o *Options) {
		insecure(reg)(o)
		o.Parallel = 2
		o.Progress = func(p Progress) { mu.Lock(); events = append(events, p); mu.Unlock() }
		o.Logf = logTo(t)
	})
	ref := reg.host + "/lk/big:v1"
	layers, meta := meterRequests(t, reg, img, 2)
	pullOne(t, s, ref)

	var total int64
	imgLayers, _ := img.Layers()
	for _, l := range imgLayers {
		n, _ := l.Size()
		total += n
	}
	if len(events) < 2 {
		t.Fatalf("got %d progress events", len(events))
	}
	last := events[len(events)-1]
	if last.Ref != ref || last.Total != total || last.Complete != total {
		t.Fatalf("last progress = %+v, want %d/%d for %s", last, total, total, ref)
	}
	for i := 1; i < len(events); i++ {
		if events[i].Complete < events[i-1].Complete {
			t.Fatalf("progress went backwards: %+v then %+v", events[i-1], events[i])
		}
	}
	if m := layers.most.Load(); m != 2 {
		t.Fatalf("at most %d layer downloads ran at once, want Parallel (2)", m)
	}
	if m := meta.most.Load(); m < 1 || m > 2 {
		t.Fatalf("at most %d manifest and config downloads ran at once, want 1..2", m)
	}

	// Reading the layers back streams the same bytes.
	got, err := s.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	gl, _ := got.Layers()
	for i, l := range gl {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, rc)
		_ = rc.Close()
		want, _ := imgLayers[i].Size()
		if err != nil || n != want {
			t.Fatalf("layer %d: read %d bytes, err %v; want %d", i, n, err, want)
		}
	}
}
