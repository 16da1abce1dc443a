package testrig

import (
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// RegistryAddr is the loopback address the registry listens on. go-containerregistry already
// speaks plain HTTP to localhost and 127.0.0.1, so only another address proves that
// insecure_registries is what makes the registry reachable.
const RegistryAddr = "127.0.0.2"

// Registry is an in-memory OCI registry (go-containerregistry's pkg/registry) serving plain
// HTTP on RegistryAddr, for tests that pull the way users pull from Docker Hub.
type Registry struct {
	// Host is "127.0.0.2:<port>", the registry part of references into this registry.
	Host string

	srv      *http.Server
	requests atomic.Int64
	stop     sync.Once
	done     chan struct{}
}

// StartRegistry starts a registry on 127.0.0.2:0; t.Cleanup stops it.
func StartRegistry(t testing.TB) *Registry {
	t.Helper()
	ln, err := net.Listen("tcp", RegistryAddr+":0")
	if err != nil {
		t.Fatalf("testrig: listen on %s: %v", RegistryAddr, err)
	}
	r := &Registry{Host: ln.Addr().String(), done: make(chan struct{})}
	handler := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	r.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		handler.ServeHTTP(w, req)
	})}
	go func() {
		defer close(r.done)
		if err := r.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("testrig: registry %s: %v", r.Host, err)
		}
	}()
	t.Cleanup(r.Close)
	return r
}

// Close stops the registry: later connections are refused. Tests call it mid-test to prove
// that pull: never (or a warm cache) needs no registry. It is safe to call more than once.
func (r *Registry) Close() {
	r.stop.Do(func() {
		_ = r.srv.Close() // Close only reports the listener's close error, which changes nothing here
		<-r.done
	})
}

// Requests returns how many HTTP requests the registry has served, so a test can assert that
// a cached pull did not touch it.
func (r *Registry) Requests() int64 { return r.requests.Load() }

// Ref returns the full reference of repoTag ("linuxkit/init:test") in this registry; a
// repoTag already starting with Host is returned unchanged.
func (r *Registry) Ref(repoTag string) string {
	if strings.HasPrefix(repoTag, r.Host+"/") {
		return repoTag
	}
	return r.Host + "/" + strings.TrimPrefix(repoTag, "/")
}

// Push uploads an image (v1.Image) or an index (v1.ImageIndex) as repoTag (see Ref) over plain
// HTTP and returns its digest ("sha256:…").
func (r *Registry) Push(t testing.TB, repoTag string, content remote.Taggable) string {
	t.Helper()
	ref, err := name.ParseReference(r.Ref(repoTag), name.Insecure)
	if err != nil {
		t.Fatalf("testrig: push %s: %v", repoTag, err)
	}
	var digest v1.Hash
	switch c := content.(type) {
	case v1.ImageIndex:
		if digest, err = c.Digest(); err == nil {
			err = remote.WriteIndex(ref, c)
		}
	case v1.Image:
		if digest, err = c.Digest(); err == nil {
			err = remote.Write(ref, c)
		}
	default:
		t.Fatalf("testrig: push %s: %T is neither an image nor an index", repoTag, content)
	}
	if err != nil {
		t.Fatalf("testrig: push %s: %v", ref, err)
	}
	return digest.String()
}

// Fixtures are the references PushFixtures pushed, each "<Host>/<repo>:test", and their digests.
type Fixtures struct {
	Kernel    string // KernelImage as <host>/linuxkit/kernel:test
	Init      string // InitImage as <host>/linuxkit/init:test (single platform)
	InitIndex string // InitIndex as <host>/linuxkit/init-multiarch:test (amd64 + arm64)
	Service   string // ServiceImage(t, "hello") as <host>/linuxkit/hello:test
	// Digests maps each reference above to its manifest (or index) digest.
	Digests map[string]string
}

// PushFixtures builds (or reuses) the fixture images and pushes them into reg.
func PushFixtures(t testing.TB, reg *Registry) Fixtures {
	t.Helper()
	f := Fixtures{
		Kernel:    reg.Ref("linuxkit/kernel:test"),
		Init:      reg.Ref("linuxkit/init:test"),
		InitIndex: reg.Ref("linuxkit/init-multiarch:test"),
		Service:   reg.Ref("linuxkit/hello:test"),
		Digests:   map[string]string{},
	}
	f.Digests[f.Kernel] = reg.Push(t, f.Kernel, KernelImage(t))
	f.Digests[f.Init] = reg.Push(t, f.Init, InitImage(t))
	f.Digests[f.InitIndex] = reg.Push(t, f.InitIndex, InitIndex(t))
	f.Digests[f.Service] = reg.Push(t, f.Service, ServiceImage(t, "hello"))
	return f
}
