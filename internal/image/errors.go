package image

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Kinds of failure. An *Error wraps exactly one of them, so callers test
// with errors.Is(err, image.ErrUnauthorized) and so on.
var (
	// ErrNotFound: the registry has no such repository, tag or digest.
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized: the registry refused the credentials (or their
	// absence).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrUnreachable: the registry could not be reached or kept failing
	// (connection refused, TLS mismatch, 5xx after retries).
	ErrUnreachable = errors.New("registry unreachable")
	// ErrStalled: the registry stopped sending data mid-read, past
	// Options.StallTimeout, on every try.
	ErrStalled = errors.New("registry stalled")
	// ErrNotCached: the policy is never and the image is not (completely)
	// in the cache.
	ErrNotCached = errors.New("not in cache")
	// ErrCorrupt: a blob's content does not match its digest.
	ErrCorrupt = errors.New("corrupt blob")
	// ErrPlatform: the image has no variant for the requested platform.
	ErrPlatform = errors.New("no image for platform")
	// ErrUnsupported: the manifest is of a kind this package cannot store
	// (docker schema 1, nested indexes, unknown media types).
	ErrUnsupported = errors.New("unsupported manifest")
	// ErrInvalid: the reference or a setting is malformed.
	ErrInvalid = errors.New("invalid reference")
	// ErrCache: the cache itself could not be read or written.
	ErrCache = errors.New("cache error")
)

// Error is a failure concerning one image. Its message names the image and,
// for network failures, the registry contacted.
type Error struct {
	// Ref is the normalized image reference.
	Ref string
	// Registry is the registry contacted ("host" or "host (mirror of
	// docker.io)"); empty for cache-only failures.
	Registry string
	// Blob is the digest of the blob concerned, when there is one.
	Blob string
	// Kind is one of the Err* sentinels above.
	Kind error
	// Err is the underlying cause.
	Err error

	// insecure records that Registry was already listed as insecure, so
	// no hint suggests listing it.
	insecure bool
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "image %s", e.Ref)
	if e.Registry != "" {
		fmt.Fprintf(&b, " from registry %s", e.Registry)
	}
	if e.Kind != nil {
		fmt.Fprintf(&b, ": %v", e.Kind)
	}
	if e.Blob != "" {
		fmt.Fprintf(&b, " (blob %s)", e.Blob)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if h := e.hint(); h != "" {
		fmt.Fprintf(&b, " (%s)", h)
	}
	return b.String()
}

// Unwrap returns the kind and the cause, so errors.Is matches both.
func (e *Error) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.Kind, e.Err} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// hint suggests the usual fix for well-known failures.
func (e *Error) hint() string {
	if e.Err == nil {
		return ""
	}
	msg := e.Err.Error()
	host, _, _ := strings.Cut(e.Registry, " ")
	switch {
	case errors.Is(e.Kind, ErrUnauthorized):
		return fmt.Sprintf("check the credentials for %s in docker's config.json ($DOCKER_CONFIG or ~/.docker)", host)
	case e.insecure:
		return ""
	case strings.Contains(msg, "server gave HTTP response to HTTPS client"),
		strings.Contains(msg, "first record does not look like a TLS handshake"):
		return fmt.Sprintf("the registry speaks plain HTTP: list %q in insecure_registries", host)
	case errors.As(e.Err, new(x509.UnknownAuthorityError)), errors.As(e.Err, new(x509.HostnameError)),
		errors.As(e.Err, new(*tls.CertificateVerificationError)):
		return fmt.Sprintf("the registry's certificate is not trusted: install its CA or list %q in insecure_registries", host)
	}
	return ""
}

// classify maps a registry or network error onto one of the kinds above,
// or nil when it is none of them (e.g. a cancelled context).
func classify(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return nil
	}
	if _, ok := isStall(err); ok {
		return ErrStalled
	}
	// A local file failure (disk full, refused rename) is a cache error:
	// syscall.Errno satisfies net.Error, so it must be caught first.
	if errors.As(err, new(*writeError)) || errors.As(err, new(*fs.PathError)) || errors.As(err, new(*os.LinkError)) {
		return ErrCache
	}
	var te *transport.Error
	if errors.As(err, &te) {
		for _, d := range te.Errors {
			switch d.Code {
			case transport.UnauthorizedErrorCode, transport.DeniedErrorCode:
				return ErrUnauthorized
			case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode, transport.BlobUnknownErrorCode:
				return ErrNotFound
			}
		}
		switch {
		case te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden:
			return ErrUnauthorized
		case te.StatusCode == http.StatusNotFound:
			return ErrNotFound
		case te.StatusCode >= 500 || te.StatusCode == http.StatusTooManyRequests || te.StatusCode == http.StatusRequestTimeout:
			return ErrUnreachable
		}
		return nil
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, context.DeadlineExceeded):
		return ErrUnreachable
	case errors.As(err, new(x509.UnknownAuthorityError)), errors.As(err, new(x509.HostnameError)),
		errors.As(err, new(*tls.CertificateVerificationError)), errors.As(err, new(tls.RecordHeaderError)):
		return ErrUnreachable
	}
	msg := err.Error()
	if strings.Contains(msg, "server gave HTTP response to HTTPS client") || strings.Contains(msg, "connection refused") {
		return ErrUnreachable
	}
	return nil
}

// MissingError reports, at once, every image that PullNever could not find
// complete and intact in the cache.
type MissingError struct {
	// CacheDir is the cache that was searched.
	CacheDir string
	// Errs holds one *Error per missing or damaged image, sorted by
	// reference.
	Errs []*Error
}

// Error implements error.
func (e *MissingError) Error() string {
	parts := make([]string, len(e.Errs))
	for i, ie := range e.Errs {
		if ie.Blob != "" {
			parts[i] = fmt.Sprintf("%s (%v blob %s: %v)", ie.Ref, ie.Kind, ie.Blob, ie.Err)
		} else {
			parts[i] = ie.Ref
		}
	}
	return fmt.Sprintf("pull policy is never and %d image(s) are missing or incomplete in the cache %s: %s",
		len(e.Errs), e.CacheDir, strings.Join(parts, ", "))
}

// Unwrap returns ErrNotCached and the per-image errors, so
// errors.Is(err, ErrNotCached) holds, and errors.Is(err, ErrCorrupt) too
// when a cached blob was damaged.
func (e *MissingError) Unwrap() []error {
	errs := []error{ErrNotCached}
	for _, ie := range e.Errs {
		errs = append(errs, ie)
	}
	return errs
}

// newMissingError sorts errs by reference and wraps them.
func newMissingError(dir string, errs []*Error) *MissingError {
	sort.Slice(errs, func(i, j int) bool { return errs[i].Ref < errs[j].Ref })
	return &MissingError{CacheDir: dir, Errs: errs}
}
