package rootfs

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// mapCache is an IndexCache in memory (the image store keeps listings in
// files; its own tests cover that).
type mapCache map[string][]byte

func (m mapCache) LoadIndex(key string) ([]byte, error) { return m[key], nil }

func (m mapCache) StoreIndex(key string, data []byte) error {
	if data == nil {
		delete(m, key)
	} else {
		m[key] = append([]byte(nil), data...)
	}
	return nil
}

// openCount is a layer that counts how often its blob is opened.
type openCount struct {
	v1.Layer
	n *atomic.Int32
}

func (l openCount) Compressed() (io.ReadCloser, error) { l.n.Add(1); return l.Layer.Compressed() }

func counted(t *testing.T, n *atomic.Int32, entries ...ent) v1.Layer {
	return openCount{Layer: layerOf(t, entries...), n: n}
}

// listingPlan is an init image of three layers (the middle one has no
// regular file, so nothing is streamed from it) and a second init image with
// an apk database, all counted.
func listingPlan(t *testing.T, n *atomic.Int32, cache IndexCache) *Plan {
	a := counted(t, n, dir("etc/"), reg("etc/motd", "lk\n"), reg("bin/tool", strings.Repeat("x", 3000)), hard("bin/tool2", "bin/tool"))
	b := counted(t, n, dir("opt/"), sym("opt/link", "../etc/motd"), reg("etc/.wh.motd", ""))
	c := counted(t, n, reg("etc/motd", "lk2\n"), dev("dev/null", '3', 1, 3))
	apk := counted(t, n, reg("lib/apk/db/installed", "P:a\n"), reg("usr/share/a", "a\n"))
	return &Plan{Init: []v1.Image{imageOf(t, a, b, c), imageOf(t, apk)}, IndexCache: cache}
}

// writeWith indexes and writes p, counting the blob opens of each phase.
func writeWith(t *testing.T, n *atomic.Int32, p *Plan) (out []byte, indexOpens, writeOpens int32, err error) {
	t.Helper()
	n.Store(0)
	tree, err := Index(context.Background(), p)
	if err != nil {
		t.Fatalf("Index: %v", err)
	}
	indexOpens = n.Swap(0)
	var b bytes.Buffer
	err = tree.WriteTar(context.Background(), &b)
	return b.Bytes(), indexOpens, n.Load(), err
}

// TestIndexCacheWarm: a second Index lists every layer from the cache
// (except the apk image, which an init image needs the bytes of), and the
// tar is byte-identical; the write pass still reads every cached layer, the
// one with nothing to stream included, to check the listing.
func TestIndexCacheWarm(t *testing.T) {
	var n atomic.Int32
	cache := mapCache{}
	cold, ixCold, _, err := writeWith(t, &n, listingPlan(t, &n, cache))
	if err != nil {
		t.Fatal(err)
	}
	if ixCold != 4 || len(cache) != 4 {
		t.Fatalf("cold: %d opens while indexing, %d listings kept; want 4 and 4", ixCold, len(cache))
	}
	warm, ixWarm, wrWarm, err := writeWith(t, &n, listingPlan(t, &n, cache))
	if err != nil {
		t.Fatal(err)
	}
	if ixWarm != 1 {
		t.Errorf("warm: %d layers opened while indexing, want 1 (the apk layer)", ixWarm)
	}
	if wrWarm != 4 {
		t.Errorf("warm: %d layers read while writing, want all 4 (cached listings are checked)", wrWarm)
	}
	if !bytes.Equal(cold, warm) {
		t.Error("the tar written from cached listings differs from the cold one")
	}
	if o := readOut(t, warm); o.body(t, "etc/motd") != "lk2\n" || !o.has("opt/link") || !o.has("bin/tool2") {
		t.Errorf("warm tar misses entries: %v", o.order)
	}
}

// TestIndexCacheMismatch: a listing that does not describe its layer (here:
// a mode changed) fails the write naming the layer, and is dropped, so the
// next build reads the layer and writes what a cold build writes.
func TestIndexCacheMismatch(t *testing.T) {
	var n atomic.Int32
	cache := mapCache{}
	cold, _, _, err := writeWith(t, &n, listingPlan(t, &n, cache))
	if err != nil {
		t.Fatal(err)
	}
	tampered := ""
	for k, b := range cache {
		var l listing
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatal(err)
		}
		if l.Records[0].Name == "opt/" {
			l.Records[0].Mode = 0o777
			b, _ = json.Marshal(l)
			cache[k], tampered = b, k
		}
	}
	if tampered == "" {
		t.Fatal("no listing of the opt/ layer")
	}
	_, _, _, err = writeWith(t, &n, listingPlan(t, &n, cache))
	if err == nil || !strings.Contains(err.Error(), "did not match it and was removed") || !strings.Contains(err.Error(), tampered) {
		t.Fatalf("write from a tampered listing: %v", err)
	}
	if _, ok := cache[tampered]; ok {
		t.Error("the tampered listing is still cached")
	}
	again, _, _, err := writeWith(t, &n, listingPlan(t, &n, cache))
	if err != nil || !bytes.Equal(again, cold) {
		t.Fatalf("the build after the mismatch: %v (same bytes as cold: %v)", err, bytes.Equal(again, cold))
	}
}

// TestIndexCacheUnusable: a listing of another version, of another layer or
// that does not decode is a miss; the layer is read and the listing rewritten.
func TestIndexCacheUnusable(t *testing.T) {
	var n atomic.Int32
	cache := mapCache{}
	cold, _, _, err := writeWith(t, &n, listingPlan(t, &n, cache))
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(cache))
	for k := range cache {
		keys = append(keys, k)
	}
	for i, k := range keys {
		var l listing
		_ = json.Unmarshal(cache[k], &l)
		switch i % 3 {
		case 0:
			l.Version++
		case 1:
			l.Layer = "sha256:" + strings.Repeat("0", 64)
		}
		b, _ := json.Marshal(l)
		if i%3 == 2 {
			b = b[:len(b)/2]
		}
		cache[k] = b
	}
	out, ix, _, err := writeWith(t, &n, listingPlan(t, &n, cache))
	if err != nil || !bytes.Equal(out, cold) {
		t.Fatalf("build over unusable listings: %v (same bytes: %v)", err, bytes.Equal(out, cold))
	}
	if ix != 4 {
		t.Errorf("%d layers read while indexing, want 4 (every listing unusable)", ix)
	}
	for _, k := range keys {
		if _, err := loadListing(cache, k, false); err != nil {
			t.Errorf("listing %s not rewritten: %v", k, err)
		}
	}
}

// TestIndexCacheKernelTar: kernel.tar's listing is kept too, so a warm
// build opens no kernel blob while indexing; the write is byte-identical,
// and a listing of it that does not match fails the write and is dropped.
func TestIndexCacheKernelTar(t *testing.T) {
	var n atomic.Int32
	cache := mapCache{}
	mods := tarBytes(t, dir("lib/modules/6.1/"), reg("lib/modules/6.1/modules.dep", "dep\n"), reg("lib/modules/6.1/a.ko", strings.Repeat("k", 5000)))
	plan := func() *Plan {
		k := counted(t, &n, reg("kernel", "bzImage"), reg("kernel.tar", string(mods)))
		return &Plan{Kernel: &Kernel{Image: imageOf(t, k), Cmdline: "console=ttyS0"}, IndexCache: cache}
	}
	cold, ixCold, _, err := writeWith(t, &n, plan())
	if err != nil {
		t.Fatal(err)
	}
	if ixCold != 2 || len(cache) != 2 {
		t.Fatalf("cold: %d opens while indexing, %d listings; want 2 (the layer, then kernel.tar) and 2", ixCold, len(cache))
	}
	warm, ixWarm, _, err := writeWith(t, &n, plan())
	if err != nil || ixWarm != 0 || !bytes.Equal(warm, cold) {
		t.Fatalf("warm: %v, %d opens while indexing (want 0), same bytes %v", err, ixWarm, bytes.Equal(warm, cold))
	}
	if o := readOut(t, warm); o.body(t, "lib/modules/6.1/a.ko") != strings.Repeat("k", 5000) {
		t.Error("the module's contents differ")
	}
	nested := ""
	for k, b := range cache {
		var l listing
		_ = json.Unmarshal(b, &l)
		if len(l.Records) == 3 { // kernel.tar's: a folder and two files
			l.Records[2].Size++
			b, _ = json.Marshal(l)
			cache[k], nested = b, k
		}
	}
	_, _, _, err = writeWith(t, &n, plan())
	if err == nil || !strings.Contains(err.Error(), "did not match it and was removed") {
		t.Fatalf("write from a tampered kernel.tar listing: %v", err)
	}
	if _, ok := cache[nested]; ok {
		t.Error("the tampered kernel.tar listing is still cached")
	}
	if again, _, _, err := writeWith(t, &n, plan()); err != nil || !bytes.Equal(again, cold) {
		t.Fatalf("after the mismatch: %v", err)
	}
}
