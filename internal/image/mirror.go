package image

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// remoteRef is where a reference is actually fetched from.
type remoteRef struct {
	ref      name.Reference  // the reference on the contacted host
	repo     name.Repository // ref's repository, for fetching blobs by digest
	host     string          // the host contacted
	mirrorOf string          // the original registry when host is a mirror
}

// describe names the contacted registry for messages.
func (rr remoteRef) describe() string {
	if rr.mirrorOf != "" {
		return fmt.Sprintf("%s (mirror of %s)", rr.host, rr.mirrorOf)
	}
	return rr.host
}

// remoteRef maps r onto the registry that serves it: its mirror when one is
// configured, marked insecure when that host is listed in Options.Insecure.
func (s *Store) remoteRef(r reference) (remoteRef, error) {
	rr := remoteRef{host: r.registry}
	path := r.path
	if target, ok := s.opts.Mirrors[r.registry]; ok {
		host, prefix, _ := strings.Cut(target, "/")
		rr.host, rr.mirrorOf = host, r.registry
		if prefix != "" {
			path = prefix + "/" + path
		}
	}
	var opts []name.Option
	if s.isInsecure(rr.host) {
		opts = append(opts, name.Insecure)
	}
	repo, err := name.NewRepository(rr.host+"/"+path, opts...)
	if err != nil {
		return rr, &Error{Ref: r.name, Registry: rr.describe(), Kind: ErrInvalid, Err: err}
	}
	rr.repo = repo
	if r.hasDigest() {
		rr.ref = repo.Digest(r.digest.String())
	} else {
		rr.ref = repo.Tag(r.tag)
	}
	return rr, nil
}

// isInsecure reports whether host is listed in Options.Insecure.
func (s *Store) isInsecure(host string) bool {
	return slices.Contains(s.opts.Insecure, canonicalRegistry(host))
}

// newTransport returns the HTTP transport for registry traffic: the
// library's default, except that hosts listed as insecure skip TLS
// certificate verification when they do speak HTTPS (docker's meaning of
// insecure-registries).
func newTransport(insecure []string) http.RoundTripper {
	base, ok := remote.DefaultTransport.(*http.Transport)
	if !ok || len(insecure) == 0 {
		return remote.DefaultTransport
	}
	lax := base.Clone()
	if lax.TLSClientConfig == nil {
		lax.TLSClientConfig = &tls.Config{}
	}
	lax.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // only for hosts the user listed as insecure
	hosts := make(map[string]bool, len(insecure))
	for _, h := range insecure {
		hosts[h] = true
		if h == "docker.io" {
			hosts["index.docker.io"] = true
			hosts["registry-1.docker.io"] = true
		}
	}
	return &hostTransport{strict: base, lax: lax, laxHosts: hosts}
}

// hostTransport sends requests for laxHosts through lax, all others through
// strict.
type hostTransport struct {
	strict, lax http.RoundTripper
	laxHosts    map[string]bool
}

// RoundTrip implements http.RoundTripper.
func (t *hostTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.laxHosts[req.URL.Host] {
		return t.lax.RoundTrip(req)
	}
	return t.strict.RoundTrip(req)
}
