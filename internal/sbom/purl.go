package sbom

import (
	"fmt"
	"sort"
	"strings"
)

// purl returns the package URL of a package found in the filesystem:
// pkg:deb/debian/bash@5.2-1?arch=amd64, pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64,
// pkg:golang/github.com/x/y@v1.2.3.
func purl(p Package) string {
	var b strings.Builder
	b.WriteString("pkg:" + p.Type + "/")
	switch {
	case p.Type == "golang":
		b.WriteString(escapePath(p.Name))
	case p.Distro != "":
		b.WriteString(escape(strings.ToLower(p.Distro)) + "/" + escape(p.Name))
	default:
		b.WriteString(escape(p.Name))
	}
	if p.Version != "" {
		b.WriteString("@" + escape(p.Version))
	}
	if p.Arch != "" {
		b.WriteString(qualifiers(map[string]string{"arch": p.Arch}))
	}
	return b.String()
}

// imagePurl returns the purl of a pinned image:
// pkg:oci/init@sha256%3A…?repository_url=docker.io/linuxkit/init&tag=v1.0.
func imagePurl(img pinned) string {
	q := map[string]string{"repository_url": img.repo}
	if img.tag != "" {
		q["tag"] = img.tag
	}
	last := img.repo[strings.LastIndex(img.repo, "/")+1:]
	return "pkg:oci/" + escape(last) + "@" + escape(img.digest) + qualifiers(q)
}

// qualifiers renders purl qualifiers sorted by key.
func qualifiers(q map[string]string) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + escapePath(q[k])
	}
	return "?" + strings.Join(parts, "&")
}

// escapePath percent-encodes each '/'-separated segment of s.
func escapePath(s string) string {
	segs := strings.Split(s, "/")
	for i, seg := range segs {
		segs[i] = escape(seg)
	}
	return strings.Join(segs, "/")
}

// escape percent-encodes everything but the purl spec's unreserved
// characters (letters, digits, '.', '-', '_', '~').
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".-_~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
