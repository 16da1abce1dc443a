package image

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"log"
	"maps"
	"math/rand"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// testRegistry is go-containerregistry's in-memory registry served over
// plain HTTP (or HTTPS) on 127.0.0.2, a loopback address that
// go-containerregistry does not treat as insecure by itself.
type testRegistry struct {
	srv  *httptest.Server
	host string
	user string // basic auth user; "" for none
	pass string
	tls  bool // serve HTTPS with httptest's self-signed certificate

	hits     atomic.Int64 // requests received
	fail503  atomic.Int64 // answer this many more requests with 503
	blob503  atomic.Int64 // answer this many more blob GETs with 503
	truncate atomic.Int64 // cut this many more blob GET bodies in half
	// around, when set, wraps the registry for the requests that reach it:
	// a test's gate or meter (see concurrency_test.go).
	around atomic.Pointer[func(http.Handler) http.Handler]
}

// regOpt configures startRegistry.
type regOpt func(*testRegistry)

// withBasicAuth makes the registry demand user:pass.
func withBasicAuth(user, pass string) regOpt {
	return func(r *testRegistry) { r.user, r.pass = user, pass }
}

// withTLS serves HTTPS with httptest's self-signed certificate.
func withTLS() regOpt { return func(r *testRegistry) { r.tls = true } }

// startRegistry serves a fresh registry on 127.0.0.2:0 until the test ends.
func startRegistry(t *testing.T, opts ...regOpt) *testRegistry {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.2: %v", err)
	}
	tr := &testRegistry{host: l.Addr().String()}
	for _, o := range opts {
		o(tr)
	}
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	tr.srv = httptest.NewUnstartedServer(tr.wrap(reg))
	tr.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	_ = tr.srv.Listener.Close()
	tr.srv.Listener = l
	if tr.tls {
		tr.srv.StartTLS()
	} else {
		tr.srv.Start()
	}
	t.Cleanup(tr.srv.Close)
	return tr
}

// wrap adds request counting, injected 503s and basic auth around h.
func (tr *testRegistry) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		tr.hits.Add(1)
		isBlob := req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/blobs/")
		if take(&tr.fail503) || (isBlob && take(&tr.blob503)) {
			http.Error(w, "injected failure", http.StatusServiceUnavailable)
			return
		}
		if tr.user != "" {
			u, p, ok := req.BasicAuth()
			if !ok || u != tr.user || p != tr.pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
				return
			}
		}
		if isBlob && take(&tr.truncate) {
			// Announce the whole body, send half, hang up.
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body := rec.Body.Bytes()
			maps.Copy(w.Header(), rec.Header())
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body[:len(body)/2])
			return
		}
		if f := tr.around.Load(); f != nil {
			(*f)(h).ServeHTTP(w, req)
			return
		}
		h.ServeHTTP(w, req)
	})
}

// take decrements c when it is positive and reports whether it did.
func take(c *atomic.Int64) bool {
	for {
		n := c.Load()
		if n <= 0 {
			return false
		}
		if c.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// ref returns a reference on this registry for pushing.
func (tr *testRegistry) ref(t *testing.T, s string) name.Reference {
	t.Helper()
	opts := []name.Option{}
	if tr.srv.TLS == nil {
		opts = append(opts, name.Insecure)
	}
	r, err := name.ParseReference(tr.host+"/"+s, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// pushOpts are the options for pushing fixtures.
func (tr *testRegistry) pushOpts() []remote.Option {
	rt := tr.srv.Client().Transport
	if tr.tls {
		// httptest's certificate names 127.0.0.1, not 127.0.0.2.
		ht := rt.(*http.Transport).Clone()
		ht.TLSClientConfig.InsecureSkipVerify = true
		rt = ht
	}
	opts := []remote.Option{remote.WithTransport(rt)}
	if tr.user != "" {
		opts = append(opts, remote.WithAuth(&authn.Basic{Username: tr.user, Password: tr.pass}))
	}
	return opts
}

// pushImage pushes img as repo:tag (s is "repo:tag") and returns its digest.
func (tr *testRegistry) pushImage(t *testing.T, s string, img v1.Image) v1.Hash {
	t.Helper()
	if err := remote.Write(tr.ref(t, s), img, tr.pushOpts()...); err != nil {
		t.Fatalf("push %s: %v", s, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// pushIndex pushes idx as s and returns its digest.
func (tr *testRegistry) pushIndex(t *testing.T, s string, idx v1.ImageIndex) v1.Hash {
	t.Helper()
	if err := remote.WriteIndex(tr.ref(t, s), idx, tr.pushOpts()...); err != nil {
		t.Fatalf("push %s: %v", s, err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// fixtureImage is a small random image (deterministic per seed) whose
// config says linux/arch.
func fixtureImage(t *testing.T, seed int64, arch string, layers int64) v1.Image {
	t.Helper()
	img, err := random.Image(2048, layers, random.WithSource(rand.NewSource(seed)))
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// multiArch is an amd64+arm64 index and its two images.
type multiArch struct {
	idx        v1.ImageIndex
	amd64, arm v1.Image
}

// fixtureIndex builds a multi-arch index (amd64, arm64/v8) from seed.
func fixtureIndex(t *testing.T, seed int64) multiArch {
	t.Helper()
	amd := fixtureImage(t, seed, "amd64", 2)
	arm := fixtureImage(t, seed+1000, "arm64", 2)
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
	)
	return multiArch{idx: idx, amd64: amd, arm: arm}
}

// hermeticDocker points DOCKER_CONFIG at an empty directory (or one with
// the given auths) so the host's credentials never leak into a test.
func hermeticDocker(t *testing.T, auths map[string][2]string) {
	t.Helper()
	dir := t.TempDir()
	if len(auths) > 0 {
		cfg := map[string]map[string]map[string]string{"auths": {}}
		for host, up := range auths {
			cfg["auths"][host] = map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(up[0] + ":" + up[1]))}
		}
		raw, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "config.json"), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("DOCKER_CONFIG", dir)
}

// fastRetry keeps retry waits in the millisecond range.
var fastRetry = remote.Backoff{Duration: time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 3}

// newStore opens a Store on dir with fast retries, tweaked by edit.
func newStore(t *testing.T, dir string, edit func(*Options)) *Store {
	t.Helper()
	o := Options{CacheDir: dir, Retry: fastRetry}
	if edit != nil {
		edit(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// insecure is an Options edit listing the registries as insecure.
func insecure(regs ...*testRegistry) func(*Options) {
	return func(o *Options) {
		for _, r := range regs {
			o.Insecure = append(o.Insecure, r.host)
		}
	}
}

// logTo returns a Logf that writes to the test log, safe after the test.
func logTo(t *testing.T) func(string, ...any) {
	var mu sync.Mutex
	done := false
	t.Cleanup(func() { mu.Lock(); done = true; mu.Unlock() })
	return func(f string, a ...any) {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if !done {
			t.Logf(f, a...)
		}
	}
}
