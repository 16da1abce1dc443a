package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultStallTimeout is how long a registry may send nothing (no response
// headers, no body bytes) before the read is abandoned, when
// Options.StallTimeout is zero.
const DefaultStallTimeout = 30 * time.Second

// stallError is a registry read abandoned because no data came for idle.
type stallError struct {
	host string        // the registry host
	what string        // the digest or tag being read
	idle time.Duration // the stall timeout that ran out
}

// Error implements error.
func (e *stallError) Error() string {
	return fmt.Sprintf("no data for %s from %s reading %s", e.idle, e.host, e.what)
}

// watchTransport wraps the registry transport: it abandons a request whose
// response headers or body bytes stop coming for idle (a stalled registry
// would otherwise hold a build forever), and reports the statuses that the
// retrying layer above it will retry, so the retries show.
type watchTransport struct {
	base   http.RoundTripper
	idle   time.Duration
	tries  int // how often the layer above tries a request in all
	notice func(format string, args ...any)
}

// RoundTrip implements http.RoundTripper.
func (t *watchTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	se := &stallError{host: req.URL.Host, what: path.Base(req.URL.Path), idle: t.idle}
	if strings.Contains(req.URL.Path, "/manifests/") {
		se.what = "manifest " + se.what
	}
	var stalled atomic.Bool
	timer := time.AfterFunc(t.idle, func() { stalled.Store(true); cancel() })
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	timer.Stop()
	if err != nil {
		cancel()
		if stalled.Load() {
			return nil, se
		}
		return nil, err
	}
	if slices.Contains(retryStatusCodes, resp.StatusCode) {
		t.notice("registry %s answered HTTP %d to %s %s (a request is tried up to %d times)",
			req.URL.Host, resp.StatusCode, req.Method, se.what, t.tries)
	}
	resp.Body = &idleBody{rc: resp.Body, timer: timer, idle: t.idle, stalled: &stalled, cancel: cancel, err: se}
	return resp, nil
}

// idleBody is a response body whose every Read fails with err once idle
// passes with no data. The clock runs only while a Read waits, so a slow
// consumer is never taken for a stalled registry.
type idleBody struct {
	rc      io.ReadCloser
	timer   *time.Timer
	idle    time.Duration
	stalled *atomic.Bool
	cancel  context.CancelFunc
	err     *stallError
}

// Read implements io.Reader.
func (b *idleBody) Read(p []byte) (int, error) {
	if b.stalled.Load() {
		return 0, b.err
	}
	b.timer.Reset(b.idle)
	n, err := b.rc.Read(p)
	b.timer.Stop()
	if b.stalled.Load() && err != nil && !errors.Is(err, io.EOF) {
		return n, b.err
	}
	return n, err
}

// Close implements io.Closer.
func (b *idleBody) Close() error {
	b.timer.Stop()
	b.cancel()
	return b.rc.Close()
}

// isStall reports whether err is, or wraps, a stalled registry read, and
// returns it.
func isStall(err error) (*stallError, bool) {
	var se *stallError
	ok := errors.As(err, &se)
	return se, ok
}
