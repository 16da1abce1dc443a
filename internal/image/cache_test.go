package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/match"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// countEntries counts index.json entries named ref.
func countEntries(t *testing.T, dir, ref string) int {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	im, err := v1.ParseIndexManifest(f)
	if err != nil {
		t.Fatalf("index.json is not valid: %v", err)
	}
	n := 0
	for _, m := range im.Manifests {
		if m.Annotations[AnnotationRefName] == ref {
			n++
		}
	}
	return n
}

// corrupt overwrites the middle bytes of blob h in place (same size).
func corrupt(t *testing.T, dir string, h v1.Hash) {
	t.Helper()
	p := filepath.Join(dir, "blobs", h.Algorithm, h.Hex)
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(raw) / 3; i < len(raw)/3+16 && i < len(raw); i++ {
		raw[i] ^= 0xff
	}
	if err := os.WriteFile(p, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCorruptBlobIsDetectedAndRefetched(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	img := fixtureImage(t, 20, "amd64", 2)
	reg.pushImage(t, "lk/app:v1", img)
	ref := reg.host + "/lk/app:v1"
	dir := t.TempDir()
	s := newStore(t, dir, func(o *Options) { insecure(reg)(o); o.Logf = logTo(t) })
	pullOne(t, s, ref)

	layers, _ := img.Layers()
	bad, _ := layers[1].Digest()
	corrupt(t, dir, bad)

	// Reading the damaged layer fails, naming image and blob.
	got, err := s.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	gl, _ := got.Layers()
	rc, err := gl[1].Compressed()
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(io.Discard, rc)
	_ = rc.Close()
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), bad.String()) || !strings.Contains(err.Error(), ref) {
		t.Fatalf("reading a damaged layer: %v, want ErrCorrupt naming %s and %s", err, ref, bad)
	}

	// pull=never reports it, naming image and blob.
	never := newStore(t, dir, func(o *Options) { insecure(reg)(o); o.Pull = PullNever })
	_, err = never.Pull(context.Background(), []string{ref})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), bad.String()) || !strings.Contains(err.Error(), ref) {
		t.Fatalf("pull=never with a damaged blob: %v", err)
	}

	// pull=missing fetches it again.
	before := reg.hits.Load()
	pullOne(t, s, ref)
	if reg.hits.Load() == before {
		t.Fatal("the damaged blob was not fetched again")
	}
	checkImage(t, s, ref, img)

	// A damaged manifest is caught too.
	corrupt(t, dir, digestOf(t, img))
	if _, err := never.Image(ref); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Image with a damaged manifest: %v, want ErrCorrupt", err)
	}
	pullOne(t, s, ref)
	checkImage(t, never, ref, img)
}

func TestConcurrentStoresShareOneCache(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	var refs []string
	for i := range 4 {
		tag := fmt.Sprintf("lk/app%d:v1", i)
		if i%2 == 0 {
			reg.pushIndex(t, tag, fixtureIndex(t, int64(30+i)).idx)
		} else {
			reg.pushImage(t, tag, fixtureImage(t, int64(30+i), "amd64", 3))
		}
		refs = append(refs, reg.host+"/"+tag)
	}
	dir := t.TempDir()
	stores := []*Store{newStore(t, dir, insecure(reg)), newStore(t, dir, insecure(reg)),
		newStore(t, dir, func(o *Options) { insecure(reg)(o); o.Pull = PullAlways })}
	var wg sync.WaitGroup
	errs := make(chan error, 3*len(stores))
	for round := range 3 {
		for _, s := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				order := append([]string(nil), refs...)
				if round%2 == 1 {
					for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
						order[i], order[j] = order[j], order[i]
					}
				}
				if _, err := s.Pull(context.Background(), order); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, r := range refs {
		if n := countEntries(t, dir, r); n != 1 {
			t.Fatalf("index.json has %d entries for %s, want 1", n, r)
		}
	}
	never := newStore(t, dir, func(o *Options) { o.Pull = PullNever })
	if _, err := never.Pull(context.Background(), refs); err != nil {
		t.Fatalf("cache not intact after concurrent pulls: %v", err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "blobs", "sha256", ".tmp-*"))
	leftovers2, _ := filepath.Glob(filepath.Join(dir, ".tmp-*"))
	if len(leftovers)+len(leftovers2) != 0 {
		t.Fatalf("temporary files left behind: %v %v", leftovers, leftovers2)
	}
}

func TestLayoutIsReadableAsLinuxkitReadsIt(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	fx := fixtureIndex(t, 40)
	reg.pushIndex(t, "lk/multi:v1", fx.idx)
	single := fixtureImage(t, 41, "amd64", 2)
	reg.pushImage(t, "lk/single:v1", single)
	dir := t.TempDir()
	s := newStore(t, dir, insecure(reg))
	multiRef, singleRef := reg.host+"/lk/multi:v1", reg.host+"/lk/single:v1"
	if _, err := s.Pull(context.Background(), []string{multiRef, singleRef}); err != nil {
		t.Fatal(err)
	}

	// linuxkit's FindRoot: partial.FindIndexes / FindImages with match.Name
	// over the layout's root index.
	l, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	root, err := l.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	idxs, err := partial.FindIndexes(root, match.Name(multiRef))
	if err != nil || len(idxs) != 1 {
		t.Fatalf("FindIndexes(%s) = %d, %v", multiRef, len(idxs), err)
	}
	amd, err := idxs[0].Image(digestOf(t, fx.amd64))
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(amd); err != nil {
		t.Fatalf("layout image does not validate: %v", err)
	}
	imgs, err := partial.FindImages(root, match.Name(singleRef))
	if err != nil || len(imgs) != 1 {
		t.Fatalf("FindImages(%s) = %d, %v", singleRef, len(imgs), err)
	}
	if err := validate.Image(imgs[0]); err != nil {
		t.Fatalf("layout image does not validate: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "oci-layout")); err != nil {
		t.Fatal(err)
	}
}

func TestReadsAndReplacesLinuxkitWrittenEntries(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	dir := t.TempDir()
	ref := "docker.io/linuxkit/app:v1"

	// Write the cache as linuxkit does: layout.Write, WriteIndex (every
	// platform), then a root descriptor annotated with the reference.
	fx := fixtureIndex(t, 50)
	l, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.WriteIndex(fx.idx); err != nil {
		t.Fatal(err)
	}
	desc, err := partial.Descriptor(fx.idx)
	if err != nil {
		t.Fatal(err)
	}
	desc.Annotations = map[string]string{AnnotationRefName: ref}
	if err := l.AppendDescriptor(*desc); err != nil {
		t.Fatal(err)
	}

	never := newStore(t, dir, func(o *Options) { o.Pull = PullNever; o.Arch = "arm64" })
	p := pullOne(t, never, "linuxkit/app:v1")
	if p.Digest != desc.Digest || p.Ref != ref {
		t.Fatalf("Pull = %+v", p)
	}
	checkImage(t, never, "linuxkit/app:v1", fx.arm)

	// A pull=always of the same name (through a mirror) replaces the entry.
	img := fixtureImage(t, 51, "amd64", 1)
	reg.pushImage(t, "linuxkit/app:v1", img)
	always := newStore(t, dir, func(o *Options) {
		insecure(reg)(o)
		o.Pull = PullAlways
		o.Mirrors = map[string]string{"docker.io": reg.host}
	})
	if p := pullOne(t, always, "linuxkit/app:v1"); p.Digest != digestOf(t, img) {
		t.Fatalf("pull=always = %+v", p)
	}
	if n := countEntries(t, dir, ref); n != 1 {
		t.Fatalf("%d entries for %s, want 1", n, ref)
	}
}

func TestWriteBlobChecksContentAndReplacesDamage(t *testing.T) {
	dir := t.TempDir()
	c, err := openCache(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	good := []byte("hello, layout")
	h, n, err := v1.SHA256(strings.NewReader(string(good)))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"wrong bytes": "hello, layouT", "short": "hello", "long": "hello, layout!"} {
		err := c.writeBlob(h, n, strings.NewReader(data))
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%s: writeBlob = %v, want ErrCorrupt", name, err)
		}
		if _, err := os.Stat(c.blobPath(h)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s: a bad blob reached the layout: %v", name, err)
		}
	}
	if err := os.WriteFile(c.blobPath(h), []byte("damaged!!!!!!"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.verifyBlob(h, n); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("verifyBlob of a damaged blob = %v", err)
	}
	if err := c.writeBlob(h, n, strings.NewReader(string(good))); err != nil {
		t.Fatal(err)
	}
	if err := c.verifyBlob(h, n); err != nil {
		t.Fatalf("after rewrite: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "blobs", "sha256", ".tmp-*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}

	s := newStore(t, dir, nil)
	if _, err := s.Image("never/pulled:v1"); !errors.Is(err, ErrNotCached) || !strings.Contains(err.Error(), "docker.io/never/pulled:v1") {
		t.Fatalf("Image of an uncached ref = %v", err)
	}
}
