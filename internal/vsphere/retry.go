package vsphere

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/vapi/rest"
	"github.com/vmware/govmomi/vim25/types"
)

// Retry policy defaults: four attempts, waiting 0.5 s, 1 s and 2 s in between.
const (
	defaultAttempts = 4
	defaultBackoff  = 500 * time.Millisecond
	maxBackoff      = 8 * time.Second
)

// isTransient reports whether err is worth another attempt: a dropped or reset connection,
// a timeout, an HTTP 502/503/504 from a proxy or a restarting vCenter, or a TaskInProgress
// fault (another task holds the object for a moment). Everything else, and a cancelled
// context, is final.
func isTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if fault.Is(err, &types.TaskInProgress{}) {
		return true
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ETIMEDOUT) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	for _, code := range []int{502, 503, 504} {
		if isStatus(err, code) {
			return true
		}
	}
	// soap.Client reports HTTP failures as an unexported error whose text is the status line.
	msg := err.Error()
	for _, s := range []string{"502 Bad Gateway", "503 Service Unavailable", "504 Gateway Timeout", "connection reset by peer"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// retry runs fn until it succeeds, fails with a non-transient error, runs out of attempts or
// ctx ends. Only safe operations go through it: reads, and deletes that treat "already gone"
// as success. what names the operation in the log line.
func (d *Driver) retry(ctx context.Context, what string, fn func() error) error {
	attempts, wait := d.attempts, d.backoff
	if attempts <= 0 {
		attempts = defaultAttempts
	}
	if wait <= 0 {
		wait = defaultBackoff
	}
	var err error
	for i := 1; ; i++ {
		if err = fn(); err == nil || i >= attempts || !isTransient(err) {
			return err
		}
		d.logf("vSphere: %s: transient error (attempt %d of %d), retrying in %s: %v", what, i, attempts, wait, err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, maxBackoff)
	}
}

// isStatus reports whether err, or an error it wraps, is a vAPI HTTP status error with
// the given code.
func isStatus(err error, code int) bool {
	for ; err != nil; err = errors.Unwrap(err) {
		if rest.IsStatusError(err, code) {
			return true
		}
	}
	return false
}
