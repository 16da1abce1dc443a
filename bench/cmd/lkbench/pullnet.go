package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

// requestKinds are the kinds of registry request the pull section counts,
// in the order its notes list them.
var requestKinds = []string{"ping", "manifest HEAD", "manifest GET", "blob HEAD", "blob GET", "other"}

// requestKind classifies a registry API request by method and path.
func requestKind(r *http.Request) string {
	p := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case p == "/v2" && r.Method == http.MethodGet:
		return "ping"
	case strings.Contains(p, "/manifests/") && (r.Method == http.MethodHead || r.Method == http.MethodGet):
		return "manifest " + r.Method
	case strings.Contains(p, "/blobs/sha256:") && (r.Method == http.MethodHead || r.Method == http.MethodGet):
		return "blob " + r.Method
	}
	return "other"
}

// requestCounter tallies the requests a server receives per side of a row
// (ours, the peer's): the side is set right before that side's run starts,
// and the runs never overlap.
type requestCounter struct {
	mu     sync.Mutex
	side   string
	counts map[string]map[string]int // side → kind → requests
}

// begin attributes the requests that follow to side.
func (c *requestCounter) begin(side string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.side = side
}

// add counts one request for the current side.
func (c *requestCounter) add(r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[string]map[string]int{}
	}
	if c.counts[c.side] == nil {
		c.counts[c.side] = map[string]int{}
	}
	c.counts[c.side][requestKind(r)]++
}

// reset forgets every count.
func (c *requestCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts = nil
}

// describe says how many requests one run of side made, per kind, over
// runs runs: "56 requests (8 ping, 8 manifest GET, 40 blob GET)".
func (c *requestCounter) describe(side string, runs int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var total int
	var parts []string
	for _, k := range requestKinds {
		if n := c.counts[side][k]; n > 0 {
			total += n
			parts = append(parts, fmt.Sprintf("%s %s", perRun(n, runs), k))
		}
	}
	return fmt.Sprintf("%s requests (%s)", perRun(total, runs), strings.Join(parts, ", "))
}

// perRun is n/runs, with one decimal when it does not divide.
func perRun(n, runs int) string {
	if n%runs == 0 {
		return fmt.Sprint(n / runs)
	}
	return fmt.Sprintf("%.1f", float64(n)/float64(runs))
}

// server is an HTTP server on a loopback port, run by this process for the
// children it measures.
type server struct {
	host string // "127.0.0.1:port"
	srv  *http.Server
	done chan error
}

// serve starts h on 127.0.0.1:0.
func serve(h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on loopback: %w", err)
	}
	s := &server{host: ln.Addr().String(), done: make(chan error, 1),
		srv: &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0), ReadHeaderTimeout: time.Minute}}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// close stops the server and waits for it.
func (s *server) close() error {
	_ = s.srv.Close()
	if err := <-s.done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// startRegistry serves go-containerregistry's in-memory registry on
// loopback, counting the requests it receives into c.
func startRegistry(c *requestCounter) (*server, error) {
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	return serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.add(r)
		reg.ServeHTTP(w, r)
	}))
}

// startLatencyProxy serves a reverse proxy to the registry at target that
// holds every request for delay before forwarding it, the round trip of a
// distant registry, counting the requests into c. Its own connections to
// the registry are kept alive, so it adds the delay and next to nothing
// else.
func startLatencyProxy(target string, delay time.Duration, c *requestCounter) (*server, error) {
	u, err := url.Parse("http://" + target)
	if err != nil {
		return nil, err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	rp.Transport = tr
	rp.ErrorLog = log.New(io.Discard, "", 0)
	return serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.add(r)
		t := time.NewTimer(delay) // the simulated latency: the one wait of the bench, on purpose
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
		rp.ServeHTTP(w, r)
	}))
}
