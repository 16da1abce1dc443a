package verify

import (
	"fmt"
	"path"
	"strings"
)

// dockerHub is how normalized references spell Docker Hub.
const dockerHub = "docker.io"

// normalizePattern qualifies an image pattern the way image references
// are normalized: "linuxkit/*" → "docker.io/linuxkit/*", "alpine" →
// "docker.io/library/alpine", "ghcr.io/x/*" unchanged.
func normalizePattern(p string) (string, error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return "", fmt.Errorf("verify: empty image pattern")
	}
	if _, err := path.Match(p, ""); err != nil {
		return "", fmt.Errorf("verify: image pattern %q: %w", p, err)
	}
	first, _, found := strings.Cut(p, "/")
	switch {
	case !found:
		return dockerHub + "/library/" + p, nil
	case strings.ContainsAny(first, ".:") || first == "localhost":
		return p, nil
	default:
		return dockerHub + "/" + p, nil
	}
}

// matches reports whether the normalized repository repo matches one of
// the normalized patterns. A '*' does not cross a '/' ("linuxkit/*" does
// not match "docker.io/linuxkit/x/y"); a pattern ending in "/**" matches
// everything below.
func matches(patterns []string, repo string) bool {
	for _, p := range patterns {
		if prefix, ok := strings.CutSuffix(p, "/**"); ok {
			if strings.HasPrefix(repo, prefix+"/") {
				return true
			}
			continue
		}
		if ok, _ := path.Match(p, repo); ok {
			return true
		}
	}
	return false
}

// TrustPatterns maps linuxkit's deprecated `trust:` section onto image
// patterns: each org becomes "<org>/*", each image its repository (a tag
// or digest dropped).
func TrustPatterns(orgs, images []string) []string {
	var out []string
	for _, o := range orgs {
		out = append(out, strings.TrimSuffix(o, "/")+"/*")
	}
	for _, img := range images {
		base, _, _ := strings.Cut(img, "@")
		out = append(out, repoOf(base))
	}
	return out
}

// CheckPattern reports whether p is a valid image pattern, for option
// checks before a Policy is made.
func CheckPattern(p string) error {
	_, err := normalizePattern(p)
	return err
}
