package image

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// notices collects what a Store sends to Options.Notice.
type notices struct {
	mu    sync.Mutex
	lines []string
}

// add is an Options.Notice.
func (n *notices) add(format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.lines = append(n.lines, fmt.Sprintf(format, args...))
}

// text returns every notice so far, one a line.
func (n *notices) text() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.lines, "\n")
}

// stallTimeout is the stall timeout of the fault tests: short, so a test
// that stalls on every try ends in seconds, yet long enough that a loaded
// machine is not taken for a stalled registry.
const stallTimeout = time.Second

// behindProxy pushes a two-layer image into a loopback registry behind a
// fault proxy and returns the proxy and the image's reference through it.
func behindProxy(t *testing.T, seed int64) (*testrig.FaultProxy, string) {
	t.Helper()
	hermeticDocker(t, nil)
	reg := testrig.StartRegistry(t)
	reg.Push(t, "lk/app:v1", fixtureImage(t, seed, "amd64", 2))
	p := testrig.StartFaultProxy(t, reg.Host)
	return p, p.Host + "/lk/app:v1"
}

// faultStore opens a Store on dir that reaches p, with fast retries (three
// tries), a short stall timeout and its notices collected.
func faultStore(t *testing.T, p *testrig.FaultProxy, dir string) (*Store, *notices) {
	t.Helper()
	n := &notices{}
	return newStore(t, dir, func(o *Options) {
		o.Insecure = []string{p.Host}
		o.StallTimeout = stallTimeout
		o.Logf = logTo(t)
		o.Notice = n.add
	}), n
}

// pullWithin pulls ref and fails the test when that takes longer than
// limit: no fault may hold a pull past its stated bounds.
func pullWithin(t *testing.T, s *Store, ref string, limit time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*limit)
	defer cancel()
	start := time.Now()
	_, err := s.Pull(ctx, []string{ref})
	if d := time.Since(start); d > limit {
		t.Fatalf("pull of %s took %v, more than %v (error: %v)", ref, d, limit, err)
	}
	return err
}

// checkCacheSound fails the test when the cache in dir holds anything a
// later build could trip on: a blob whose content does not match its name,
// a leftover temporary file, or an index.json entry that is not complete
// and intact.
func checkCacheSound(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".tmp-") {
			t.Errorf("temporary file left in the cache: %s", path)
		}
		if d.Type().IsRegular() && filepath.Base(filepath.Dir(path)) == "sha256" {
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if sum := sha256.Sum256(raw); hex.EncodeToString(sum[:]) != d.Name() {
				t.Errorf("corrupt blob in the cache: %s hashes to %x", path, sum)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk the cache: %v", err)
	}
	c, err := openCache(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	im, err := c.readIndex()
	if err != nil {
		t.Fatal(err)
	}
	offline := newStore(t, dir, func(o *Options) { o.Pull = PullNever })
	for _, m := range im.Manifests {
		ref := m.Annotations[AnnotationRefName]
		if _, err := offline.Pull(context.Background(), []string{ref}); err != nil {
			t.Errorf("cache entry %s is not usable: %v", ref, err)
		}
	}
}

// TestRegistryFaultsAreRecoveredOrBounded runs every fault mode of the
// proxy twice: a passing fault the retries absorb (and announce), and a
// lasting one that ends in a clear error within a bounded time. Neither
// leaves a corrupt cache entry.
func TestRegistryFaultsAreRecoveredOrBounded(t *testing.T) {
	for i, tc := range []struct {
		mode      testrig.FaultMode
		passing   int64  // tries a passing fault spoils (fewer than the three tries)
		notice    string // what the notices say about it
		kind      error  // the lasting fault's error kind
		message   string // and what its message says; %s is the proxy host
		limitLast time.Duration
	}{
		{testrig.Stall, 1, "attempt 1 of 3 failed", ErrStalled,
			"registry stalled (blob sha256:", 10 * time.Second},
		{testrig.Truncate, 2, "attempt 2 of 3 failed", nil, "unexpected EOF", 5 * time.Second},
		{testrig.Status500, 2, "answered HTTP 500", ErrUnreachable, "from registry %s: registry unreachable", 5 * time.Second},
		{testrig.WrongDigest, 1, "attempt 1 of 3 failed", ErrCorrupt, "corrupt blob", 5 * time.Second},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			p, ref := behindProxy(t, int64(300+i))

			dir := t.TempDir()
			p.Inject(testrig.Fault{Mode: tc.mode, Times: tc.passing})
			s, n := faultStore(t, p, dir)
			if err := pullWithin(t, s, ref, 10*time.Second); err != nil {
				t.Fatalf("a fault on %d request(s) was not absorbed: %v", tc.passing, err)
			}
			if p.Injected() != tc.passing {
				t.Fatalf("the fault hit %d requests, want %d", p.Injected(), tc.passing)
			}
			if !strings.Contains(n.text(), tc.notice) {
				t.Fatalf("notices %q do not mention %q", n.text(), tc.notice)
			}
			checkCacheSound(t, dir)

			dir = t.TempDir()
			p.Inject(testrig.Fault{Mode: tc.mode, Times: testrig.Always})
			s, _ = faultStore(t, p, dir)
			err := pullWithin(t, s, ref, tc.limitLast)
			if err == nil {
				t.Fatal("a lasting fault did not fail the pull")
			}
			if tc.kind != nil && !errors.Is(err, tc.kind) {
				t.Fatalf("error %v is not %v", err, tc.kind)
			}
			for _, want := range []string{ref, strings.ReplaceAll(tc.message, "%s", p.Host)} {
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("error %q does not say %q", err, want)
				}
			}
			checkCacheSound(t, dir)
		})
	}
}

func TestStallErrorSaysHowLongAndHowOften(t *testing.T) {
	p, ref := behindProxy(t, 310)
	p.Inject(testrig.Fault{Mode: testrig.Stall, Times: testrig.Always})
	dir := t.TempDir()
	s, _ := faultStore(t, p, dir)
	err := pullWithin(t, s, ref, 10*time.Second)
	want := fmt.Sprintf("no data for %s from %s reading sha256:", stallTimeout, p.Host)
	if !errors.Is(err, ErrStalled) || !strings.Contains(err.Error(), want) ||
		!strings.Contains(err.Error(), "gave up after 3 tries") {
		t.Fatalf("error = %v, want ErrStalled saying %q and the tries", err, want)
	}
	if p.Injected() != 3 {
		t.Fatalf("%d stalled reads, want 3 (one per try)", p.Injected())
	}
	checkCacheSound(t, dir)
}

func TestOversizedManifestIsRefusedBeforeCaching(t *testing.T) {
	p, ref := behindProxy(t, 320)
	p.Inject(testrig.Fault{Mode: testrig.OversizedManifest, Times: testrig.Always, Size: maxMetaBlob + 1})
	dir := t.TempDir()
	// The default stall timeout: building 64 MiB of padding takes the
	// proxy a while under -race, and that is not what is tested here.
	s := newStore(t, dir, func(o *Options) { o.Insecure = []string{p.Host}; o.Logf = logTo(t) })
	err := pullWithin(t, s, ref, 30*time.Second)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), fmt.Sprint(maxMetaBlob+1)) ||
		!strings.Contains(err.Error(), "64 MiB") {
		t.Fatalf("error = %v, want ErrUnsupported naming the size and the limit", err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "blobs", "sha256"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.Size() > maxMetaBlob {
			t.Fatalf("the oversized manifest was written: %s, %d bytes", e.Name(), fi.Size())
		}
	}
	if n := countEntries(t, dir, ref); n != 0 {
		t.Fatalf("index.json has %d entries for %s", n, ref)
	}
	checkCacheSound(t, dir)
}

func TestRefusedRenameIsACacheError(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	img := fixtureImage(t, 340, "amd64", 1)
	reg.pushImage(t, "lk/app:v1", img)
	ref := reg.host + "/lk/app:v1"
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	h, err := layers[0].Digest()
	if err != nil {
		t.Fatal(err)
	}
	// A directory where the layer's blob goes: the rename into place fails.
	dir := t.TempDir()
	blocker := filepath.Join(dir, "blobs", "sha256", h.Hex)
	if err := os.MkdirAll(filepath.Join(blocker, "keep"), 0o755); err != nil {
		t.Fatal(err)
	}
	n := &notices{}
	s := newStore(t, dir, func(o *Options) { insecure(reg)(o); o.Notice = n.add })
	_, err = s.Pull(context.Background(), []string{ref})
	if !errors.Is(err, ErrCache) || errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), blocker) {
		t.Fatalf("error = %v, want ErrCache naming %s, not ErrUnreachable", err, blocker)
	}
	if strings.Contains(n.text(), "retrying") {
		t.Fatalf("a local rename failure was retried: %s", n.text())
	}
}

func TestRefetchOfDamagedBlobIsANotice(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	img := fixtureImage(t, 350, "amd64", 1)
	reg.pushImage(t, "lk/app:v1", img)
	ref := reg.host + "/lk/app:v1"
	dir := t.TempDir()
	pullOne(t, newStore(t, dir, insecure(reg)), ref)
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	h, err := layers[0].Digest()
	if err != nil {
		t.Fatal(err)
	}
	corrupt(t, dir, h)
	n := &notices{}
	s := newStore(t, dir, func(o *Options) { insecure(reg)(o); o.Notice = n.add })
	pullOne(t, s, ref)
	checkImage(t, s, ref, img)
	if !strings.Contains(n.text(), "fetching it again") || !strings.Contains(n.text(), h.String()) {
		t.Fatalf("notices %q do not announce the refetch of %s", n.text(), h)
	}
	checkCacheSound(t, dir)
}
