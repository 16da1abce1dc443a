package image

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Options configures a Store. The zero value of every field has a sensible
// default, so Options{} gives linuxkit's behaviour: cache in DefaultCacheDir,
// amd64, pull missing images, docker config.json credentials.
type Options struct {
	// CacheDir is the OCI image layout used as the cache. It is shared with
	// linuxkit (~/.linuxkit/cache) and with concurrent builds. Default:
	// DefaultCacheDir().
	CacheDir string
	// Arch selects the platform image (os linux) taken from multi-arch
	// indexes: "amd64" or "arm64" ("x86_64" and "aarch64" are accepted as
	// aliases). Default: amd64.
	Arch string
	// Pull is the pull policy: PullMissing (the default), PullAlways or
	// PullNever.
	Pull Policy
	// Mirrors maps a registry host to the host (optionally host/path
	// prefix) that serves it, e.g. "docker.io" → "127.0.0.2:5000". Images
	// are fetched from the mirror, but the cache records the original
	// reference.
	Mirrors map[string]string
	// Insecure lists registry hosts reached over plain HTTP (or HTTPS
	// without certificate verification). Mirror hosts must be listed here
	// too when they speak plain HTTP.
	Insecure []string
	// Keychain supplies registry credentials. Default:
	// authn.DefaultKeychain, which reads docker's config.json
	// ($DOCKER_CONFIG, else ~/.docker).
	Keychain authn.Keychain
	// Parallel bounds how many layers are fetched (or verified) at once,
	// and, apart, how many manifests and configs are fetched at once, so
	// that no image waits behind another's layers to be resolved.
	// Default: DefaultParallel.
	Parallel int
	// Retry is the exponential backoff used for transient registry errors
	// (HTTP 408/429/5xx, connection resets, truncated bodies). The zero
	// value means DefaultRetry.
	Retry remote.Backoff
	// Progress, when set, receives byte counts while layers are copied
	// into the cache. Calls are serialized, so it need not be safe for
	// concurrent use.
	Progress func(Progress)
	// Logf, when set, receives one line per event (cache hit, pull,
	// resolution), retries and refetches included: the detail a debug log
	// (PACKER_LOG) wants.
	Logf func(format string, args ...any)
	// Notice, when set, receives the events a user waiting on a build
	// should see: a registry answering 5xx or 429 (retried), a stalled or
	// truncated read tried again, a damaged cached blob fetched again.
	// They go to Logf as well. The builder shows them in its UI.
	Notice func(format string, args ...any)
	// StallTimeout is how long a registry may send nothing, neither
	// response headers nor body bytes, before the read is abandoned and
	// tried again (up to Retry.Steps tries in all). Default:
	// DefaultStallTimeout.
	StallTimeout time.Duration
}

// DefaultRetry is the backoff used when Options.Retry is zero: up to four
// attempts, waiting about 1 s, 2 s and 4 s in between.
var DefaultRetry = remote.Backoff{Duration: time.Second, Factor: 2, Jitter: 0.1, Steps: 4}

// DefaultParallel is the default size of the layer pool and of the
// manifest pool. A layer download spends a round trip waiting for the
// registry before its bytes come: 8 at once keep a distant registry's link
// busy (4 left a 20 ms registry's pull a third slower, see bench/README.md).
const DefaultParallel = 8

// DefaultCacheDir returns the cache linuxkit uses: $LINUXKIT_CACHE when it is
// set, else ~/.linuxkit/cache (relative .linuxkit/cache when the home
// directory is unknown).
func DefaultCacheDir() string {
	if dir := os.Getenv("LINUXKIT_CACHE"); dir != "" {
		return dir
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return filepath.Join(".linuxkit", "cache")
	}
	return filepath.Join(home, ".linuxkit", "cache")
}

// Policy says when a Store contacts a registry.
type Policy int

const (
	// PullMissing contacts the registry only for images that are not
	// complete and intact in the cache. It is the default.
	PullMissing Policy = iota
	// PullAlways re-resolves every tag against its registry. References
	// by digest are immutable and still come from the cache when intact.
	PullAlways
	// PullNever never touches the network: every image must be in the
	// cache.
	PullNever
)

// String returns the policy's name as ParsePolicy accepts it.
func (p Policy) String() string {
	switch p {
	case PullMissing:
		return "missing"
	case PullAlways:
		return "always"
	case PullNever:
		return "never"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// ParsePolicy parses "missing", "always" or "never" (case-insensitive); the
// empty string means PullMissing.
func ParsePolicy(s string) (Policy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "missing":
		return PullMissing, nil
	case "always":
		return PullAlways, nil
	case "never":
		return PullNever, nil
	}
	return PullMissing, fmt.Errorf("invalid pull policy %q: want missing, always or never", s)
}

// normalizeArch maps an architecture name to its GOARCH spelling.
func normalizeArch(arch string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(arch)) {
	case "", "amd64", "x86_64":
		return "amd64", nil
	case "arm64", "aarch64":
		return "arm64", nil
	}
	return "", fmt.Errorf("unsupported arch %q: want amd64 or arm64", arch)
}

// withDefaults validates o and fills in every default. The maps and slices
// are copied, so the caller may change its Options afterwards.
func (o Options) withDefaults() (Options, error) {
	var err error
	if o.CacheDir == "" {
		o.CacheDir = DefaultCacheDir()
	}
	if o.Arch, err = normalizeArch(o.Arch); err != nil {
		return o, err
	}
	if o.Pull < PullMissing || o.Pull > PullNever {
		return o, fmt.Errorf("invalid pull policy %d", int(o.Pull))
	}
	if o.Keychain == nil {
		o.Keychain = authn.DefaultKeychain
	}
	if o.Parallel <= 0 {
		o.Parallel = DefaultParallel
	}
	if o.Retry.Steps <= 0 {
		o.Retry = DefaultRetry
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = DefaultStallTimeout
	}
	mirrors := make(map[string]string, len(o.Mirrors))
	for from, to := range o.Mirrors {
		host, err := normalizeHost(from)
		if err != nil {
			return o, fmt.Errorf("registry mirror key: %w", err)
		}
		target := strings.Trim(stripScheme(strings.TrimSpace(to)), "/")
		mirrorHost, _, _ := strings.Cut(target, "/")
		if _, err := normalizeHost(mirrorHost); err != nil {
			return o, fmt.Errorf("registry mirror for %s: %w", from, err)
		}
		mirrors[host] = target
	}
	o.Mirrors = mirrors
	insecure := make([]string, 0, len(o.Insecure))
	for _, h := range o.Insecure {
		host, err := normalizeHost(h)
		if err != nil {
			return o, fmt.Errorf("insecure registry: %w", err)
		}
		insecure = append(insecure, host)
	}
	o.Insecure = insecure
	return o, nil
}

// stripScheme removes an http:// or https:// prefix, which users often
// write in registry settings.
func stripScheme(s string) string {
	for _, p := range []string{"http://", "https://"} {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			return s[len(p):]
		}
	}
	return s
}

// normalizeHost validates a registry host[:port] and folds Docker Hub's
// aliases onto "docker.io".
func normalizeHost(h string) (string, error) {
	h = strings.TrimSuffix(stripScheme(strings.TrimSpace(h)), "/")
	if h == "" {
		return "", fmt.Errorf("empty registry host")
	}
	if _, err := name.NewRegistry(h, name.StrictValidation); err != nil {
		return "", fmt.Errorf("invalid registry host %q: %w", h, err)
	}
	return canonicalRegistry(h), nil
}

// canonicalRegistry folds Docker Hub's host names onto "docker.io", the
// spelling linuxkit records in its cache.
func canonicalRegistry(h string) string {
	switch strings.ToLower(h) {
	case "docker.io", "index.docker.io", "registry-1.docker.io":
		return "docker.io"
	}
	return h
}
