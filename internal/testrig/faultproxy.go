package testrig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// FaultMode is one way FaultProxy misbehaves.
type FaultMode int

const (
	// Stall sends the headers and half of a blob's body, then nothing more
	// until the client gives up or the proxy stops: a registry that hangs
	// mid-blob.
	Stall FaultMode = iota + 1
	// Truncate announces a blob's full length, sends half and hangs up.
	Truncate
	// Status500 answers a request with HTTP 500 without asking the
	// registry.
	Status500
	// WrongDigest sends a blob with its last byte flipped: the right
	// length, the wrong digest.
	WrongDigest
	// OversizedManifest pads a manifest or index with trailing spaces (still
	// valid JSON) to Fault.Size bytes and drops its Docker-Content-Digest.
	OversizedManifest
)

// String names the mode for test output.
func (m FaultMode) String() string {
	switch m {
	case Stall:
		return "stall"
	case Truncate:
		return "truncate"
	case Status500:
		return "500"
	case WrongDigest:
		return "wrong-digest"
	case OversizedManifest:
		return "oversized-manifest"
	}
	return fmt.Sprintf("FaultMode(%d)", int(m))
}

// Fault is what FaultProxy does to the next requests it applies to: blob
// GETs for Stall, Truncate and WrongDigest, manifest GETs for
// OversizedManifest, every request for Status500.
type Fault struct {
	// Mode is the misbehaviour.
	Mode FaultMode
	// Times is how many matching requests get it; Always means every one.
	Times int64
	// Size is the padded manifest size for OversizedManifest.
	Size int64
}

// Always, as Fault.Times, applies a fault to every matching request.
const Always = int64(1) << 62

// FaultProxy is an HTTP proxy on RegistryAddr in front of a loopback
// registry that injects one Fault at a time, so that registry failures are
// tests rather than one-off scripts. Requests it does not fault pass
// through unchanged.
type FaultProxy struct {
	// Host is "127.0.0.2:<port>": references through the proxy use it in
	// place of the registry's host.
	Host string

	upstream string
	client   *http.Client
	srv      *http.Server
	stopped  chan struct{} // closed by Close: releases stalled requests
	stop     sync.Once
	done     chan struct{}

	mu       sync.Mutex
	fault    Fault
	injected atomic.Int64
}

// StartFaultProxy starts a proxy for upstream ("127.0.0.2:<port>", a
// loopback address: the proxy refuses any other); t.Cleanup stops it.
func StartFaultProxy(t testing.TB, upstream string) *FaultProxy {
	t.Helper()
	host, _, err := net.SplitHostPort(upstream)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		t.Fatalf("testrig: fault proxy upstream %q is not a loopback address", upstream)
	}
	ln, err := net.Listen("tcp", RegistryAddr+":0")
	if err != nil {
		t.Fatalf("testrig: fault proxy: listen on %s: %v", RegistryAddr, err)
	}
	p := &FaultProxy{
		Host:     ln.Addr().String(),
		upstream: upstream,
		client: &http.Client{
			Transport:     &http.Transport{Proxy: nil},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		stopped: make(chan struct{}),
		done:    make(chan struct{}),
	}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve)}
	go func() {
		defer close(p.done)
		if err := p.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("testrig: fault proxy %s: %v", p.Host, err)
		}
	}()
	t.Cleanup(p.Close)
	return p
}

// Inject replaces the current fault with f.
func (p *FaultProxy) Inject(f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault = f
}

// Clear stops injecting faults.
func (p *FaultProxy) Clear() { p.Inject(Fault{}) }

// Injected returns how many requests were faulted so far, so a test can
// check that its fault was hit.
func (p *FaultProxy) Injected() int64 { return p.injected.Load() }

// Close stops the proxy and releases stalled requests. It is safe to call
// more than once.
func (p *FaultProxy) Close() {
	p.stop.Do(func() {
		close(p.stopped)
		_ = p.srv.Close() // only the listener's close error, which changes nothing here
		<-p.done
		p.client.CloseIdleConnections()
	})
}

// take returns the fault to apply to req, counting it down, or the zero
// Fault.
func (p *FaultProxy) take(req *http.Request) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := &p.fault
	get := req.Method == http.MethodGet
	applies := false
	switch f.Mode {
	case Status500:
		applies = true
	case Stall, Truncate, WrongDigest:
		applies = get && strings.Contains(req.URL.Path, "/blobs/sha256:")
	case OversizedManifest:
		applies = get && strings.Contains(req.URL.Path, "/manifests/")
	}
	if !applies || f.Times <= 0 {
		return Fault{}
	}
	f.Times--
	p.injected.Add(1)
	return *f
}

// serve forwards req to the registry, applying the current fault.
func (p *FaultProxy) serve(w http.ResponseWriter, req *http.Request) {
	f := p.take(req)
	if f.Mode == Status500 {
		http.Error(w, "injected failure", http.StatusInternalServerError)
		return
	}
	out, err := http.NewRequestWithContext(req.Context(), req.Method, "http://"+p.upstream+req.URL.RequestURI(), req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = req.Header.Clone()
	out.ContentLength = req.ContentLength
	resp, err := p.client.Do(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	if f.Mode == 0 || resp.StatusCode != http.StatusOK {
		copyHeader(w, resp)
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
		return
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	p.faulty(w, req, resp, f, body)
}

// faulty writes the faulted form of a successful response whose body is
// body.
func (p *FaultProxy) faulty(w http.ResponseWriter, req *http.Request, resp *http.Response, f Fault, body []byte) {
	copyHeader(w, resp)
	switch f.Mode {
	case OversizedManifest:
		if pad := f.Size - int64(len(body)); pad > 0 {
			body = append(body, bytes.Repeat([]byte(" "), int(pad))...)
		}
		w.Header().Del("Docker-Content-Digest")
	case WrongDigest:
		if len(body) > 0 {
			body[len(body)-1] ^= 0xff
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	switch f.Mode {
	case Stall:
		_, _ = w.Write(body[:len(body)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		select {
		case <-req.Context().Done():
		case <-p.stopped:
		}
	case Truncate:
		_, _ = w.Write(body[:len(body)/2])
	default:
		_, _ = w.Write(body)
	}
}

// copyHeader copies resp's headers to w.
func copyHeader(w http.ResponseWriter, resp *http.Response) {
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
}
