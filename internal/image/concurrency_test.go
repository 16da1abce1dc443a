package image

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// concurrencyTimeout bounds a pull whose registry holds requests back
// until the pull shows the concurrency under test: a pull without it never
// gets past the gate, and fails when this runs out instead of hanging.
const concurrencyTimeout = 30 * time.Second

// inFlight counts requests in progress and the most seen at once.
type inFlight struct{ now, most atomic.Int64 }

// enter counts a request in and returns how many are in progress.
func (f *inFlight) enter() int64 {
	n := f.now.Add(1)
	for {
		m := f.most.Load()
		if n <= m || f.most.CompareAndSwap(m, n) {
			return n
		}
	}
}

// leave counts a request out.
func (f *inFlight) leave() { f.now.Add(-1) }

// gate is a one-time signal.
type gate struct {
	once sync.Once
	ch   chan struct{}
}

func newGate() *gate { return &gate{ch: make(chan struct{})} }

// open lets every waiter through, now and later.
func (g *gate) open() { g.once.Do(func() { close(g.ch) }) }

// wait blocks until the gate opens; it reports false when req was
// abandoned first.
func (g *gate) wait(req *http.Request) bool {
	select {
	case <-g.ch:
		return true
	case <-req.Context().Done():
		return false
	}
}

// blobDigest returns the digest a blob request names, or "".
func blobDigest(req *http.Request) string {
	if req.Method != http.MethodGet || !strings.Contains(req.URL.Path, "/blobs/") {
		return ""
	}
	return path.Base(req.URL.Path)
}

// isManifestGET reports whether req fetches a manifest or an index.
func isManifestGET(req *http.Request) bool {
	return req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/manifests/")
}

// digests returns the layer digests and the config digest of img.
func digests(t *testing.T, img v1.Image) (layers map[string]bool, config string) {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	layers = map[string]bool{}
	for _, l := range m.Layers {
		layers[l.Digest.String()] = true
	}
	return layers, m.Config.Digest.String()
}

// setAround installs a wrapper around the registry handler.
func (tr *testRegistry) setAround(f func(next http.Handler, w http.ResponseWriter, req *http.Request)) {
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { f(h, w, req) })
	}
	tr.around.Store(&wrap)
}

// meterRequests counts, at reg, img's layer GETs in flight and its
// manifest and config GETs in flight. The first layer GETs wait until
// atLeast of them are in flight together, so a pull that fetched layers
// one at a time would never get past them.
func meterRequests(t *testing.T, reg *testRegistry, img v1.Image, atLeast int64) (layers, meta *inFlight) {
	layerSet, config := digests(t, img)
	layers, meta = &inFlight{}, &inFlight{}
	together := newGate()
	reg.setAround(func(next http.Handler, w http.ResponseWriter, req *http.Request) {
		d := blobDigest(req)
		switch {
		case layerSet[d]:
			n := layers.enter()
			defer layers.leave()
			if n >= atLeast {
				together.open()
			}
			if !together.wait(req) {
				return
			}
		case d == config || isManifestGET(req):
			meta.enter()
			defer meta.leave()
		}
		next.ServeHTTP(w, req)
	})
	return layers, meta
}

func TestImagesAreResolvedWhileLayersWait(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	const n = 4
	var refs []string
	layers := map[string]bool{}
	for i := range n {
		img := fixtureImage(t, int64(40+i), "amd64", 2)
		reg.pushImage(t, fmt.Sprintf("lk/wait%d:v1", i), img)
		refs = append(refs, fmt.Sprintf("%s/lk/wait%d:v1", reg.host, i))
		ls, _ := digests(t, img)
		for d := range ls {
			layers[d] = true
		}
	}
	// Layers wait until every image's manifest was asked for: with
	// Parallel 2, images that held their slot while their layers waited
	// would keep the last two from ever being resolved.
	var manifests atomic.Int64
	resolved := newGate()
	reg.setAround(func(next http.Handler, w http.ResponseWriter, req *http.Request) {
		if isManifestGET(req) && manifests.Add(1) == n {
			resolved.open()
		}
		if layers[blobDigest(req)] && !resolved.wait(req) {
			return
		}
		next.ServeHTTP(w, req)
	})
	s := newStore(t, t.TempDir(), func(o *Options) { insecure(reg)(o); o.Parallel = 2 })
	ctx, cancel := context.WithTimeout(context.Background(), concurrencyTimeout)
	defer cancel()
	if _, err := s.Pull(ctx, refs); err != nil {
		t.Fatalf("Pull: %v\n(the layers waited for all %d manifests; %d were asked for)", err, n, manifests.Load())
	}
}
