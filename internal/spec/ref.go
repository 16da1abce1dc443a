package spec

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// dockerHub is how normalized references spell Docker Hub; go-containerregistry
// says "index.docker.io", linuxkit and docker say "docker.io".
const dockerHub = "docker.io"

// NormalizeRef returns the fully qualified form of an image reference, the
// form used as the key of image caches and pin maps:
//
//	nginx                      -> docker.io/library/nginx:latest
//	linuxkit/init:v1.0         -> docker.io/linuxkit/init:v1.0
//	127.0.0.2:5000/x/y:t       -> 127.0.0.2:5000/x/y:t
//	alpine@sha256:…            -> docker.io/library/alpine@sha256:…
//	alpine:3.21@sha256:…       -> docker.io/library/alpine:3.21@sha256:… (both kept)
//
// Parsing is go-containerregistry's (name.WeakValidation); an invalid
// reference is an error.
func NormalizeRef(ref string) (string, error) {
	if ref == "" {
		return "", fmt.Errorf("empty image reference")
	}
	if strings.TrimSpace(ref) != ref || strings.ContainsAny(ref, " \t\r\n") {
		return "", fmt.Errorf("invalid image reference %q: contains white space", ref)
	}
	if strings.HasPrefix(ref, "@pkg:") {
		return "", fmt.Errorf("invalid image reference %q: linuxkit's @pkg: templates need a package build; use an image reference", ref)
	}
	parsed, err := name.ParseReference(ref, name.WeakValidation)
	if err != nil {
		if lower := strings.ToLower(ref); lower != ref {
			if _, lerr := name.ParseReference(lower, name.WeakValidation); lerr == nil {
				return "", fmt.Errorf("invalid image reference %q: repository names must be lower case", ref)
			}
		}
		return "", fmt.Errorf("invalid image reference %q: %w", ref, err)
	}
	repo := hubName(parsed.Context().Name())
	switch r := parsed.(type) {
	case name.Tag:
		return repo + ":" + r.TagStr(), nil
	case name.Digest:
		// name.Digest drops a tag written before the digest; keep it, as
		// docker does, so "x:1.2@sha256:…" still says which tag it was.
		base, _, _ := strings.Cut(ref, "@")
		if tag, ok := explicitTag(base); ok {
			return repo + ":" + tag + "@" + r.DigestStr(), nil
		}
		return repo + "@" + r.DigestStr(), nil
	}
	return "", fmt.Errorf("invalid image reference %q", ref)
}

// hubName rewrites go-containerregistry's "index.docker.io/" prefix to
// "docker.io/".
func hubName(repo string) string {
	if rest, ok := strings.CutPrefix(repo, name.DefaultRegistry+"/"); ok {
		return dockerHub + "/" + rest
	}
	return repo
}

// explicitTag returns the tag written in base ("repo:tag"), telling a tag
// apart from a registry port ("host:5000/repo") the way go-containerregistry
// does: the part after the last ':' must not contain '/'.
func explicitTag(base string) (string, bool) {
	i := strings.LastIndex(base, ":")
	if i < 0 || strings.Contains(base[i+1:], "/") {
		return "", false
	}
	return base[i+1:], true
}

// hasDigest reports whether a normalized reference is pinned by digest.
func hasDigest(ref string) bool {
	return strings.Contains(ref, "@sha256:")
}
