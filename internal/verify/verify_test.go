package verify

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/spec"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// rig is a loopback registry with one signed image, one unsigned image
// and the key that signed.
type rig struct {
	reg    *testrig.Registry
	signer *testrig.Signer
	v      *Verifier
}

func newRig(t *testing.T) *rig {
	t.Helper()
	reg := testrig.StartRegistry(t)
	s := testrig.NewSigner(t)
	keys, err := ParseKeys("cosign.pub", s.PublicKeyPEM(t))
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(Policy{Keys: keys, Images: []string{reg.Host + "/linuxkit/*"}, Source: Remote([]name.Option{name.Insecure})})
	if err != nil {
		t.Fatal(err)
	}
	return &rig{reg: reg, signer: s, v: v}
}

// push pushes a random image as repo:test and returns its pinned reference.
func (r *rig) push(t *testing.T, repo string) (ref, digest string) {
	t.Helper()
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	digest = r.reg.Push(t, repo+":test", img)
	return r.reg.Ref(repo) + ":test@" + digest, digest
}

func TestVerifySigned(t *testing.T) {
	r := newRig(t)
	ref, digest := r.push(t, "linuxkit/init")
	r.reg.SignImage(t, r.signer, "linuxkit/init", digest)
	if err := r.v.Verify(context.Background(), ref); err != nil {
		t.Fatalf("a correctly signed image: %v", err)
	}
}

func TestVerifyRejects(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	other := testrig.NewSigner(t)
	cases := []struct {
		name string
		sign func(repo, digest string)
		want error
	}{
		{"unsigned", func(string, string) {}, ErrUnsigned},
		{"wrong key", func(repo, digest string) { r.reg.SignImage(t, other, repo, digest) }, ErrNotVerified},
		{"tampered signature", func(repo, digest string) {
			p := testrig.Payload(t, r.reg.Ref(repo), digest)
			raw, _ := base64.StdEncoding.DecodeString(r.signer.Sign(t, p))
			raw[len(raw)-1] ^= 1
			r.reg.PushSignature(t, repo, digest, p, base64.StdEncoding.EncodeToString(raw))
		}, ErrNotVerified},
		{"tampered payload", func(repo, digest string) {
			p := testrig.Payload(t, r.reg.Ref(repo), digest)
			sig := r.signer.Sign(t, p)
			r.reg.PushSignature(t, repo, digest, append(p, ' '), sig)
		}, ErrNotVerified},
		{"signature of another image", func(repo, digest string) {
			p := testrig.Payload(t, r.reg.Ref(repo), "sha256:"+strings.Repeat("0", 64))
			r.reg.PushSignature(t, repo, digest, p, r.signer.Sign(t, p))
		}, ErrDigestMismatch},
		{"not base64", func(repo, digest string) {
			r.reg.PushSignature(t, repo, digest, testrig.Payload(t, r.reg.Ref(repo), digest), "!!")
		}, ErrNotVerified},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			repo := "linuxkit/img" + string(rune('a'+i))
			ref, digest := r.push(t, repo)
			c.sign(repo, digest)
			err := r.v.Verify(ctx, ref)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if !strings.Contains(err.Error(), ref) {
				t.Errorf("error %q does not name the image %s", err, ref)
			}
		})
	}
}

func TestVerifyAll(t *testing.T) {
	r := newRig(t)
	signed, digest := r.push(t, "linuxkit/init")
	r.reg.SignImage(t, r.signer, "linuxkit/init", digest)
	unsigned, _ := r.push(t, "linuxkit/sshd")
	outside, _ := r.push(t, "other/tool")
	checked, err := r.v.VerifyAll(context.Background(), map[string]string{
		"init/0": signed, "services/sshd": unsigned, "onboot/000-tool": outside,
	})
	if strings.Join(checked, " ") != "init/0 services/sshd" {
		t.Errorf("checked %q, want the two linuxkit images", checked)
	}
	if !errors.Is(err, ErrUnsigned) || !strings.Contains(err.Error(), "services/sshd: ") || strings.Contains(err.Error(), "init/0") {
		t.Errorf("VerifyAll error %v, want only services/sshd unsigned", err)
	}
	checked, err = r.v.VerifyAll(context.Background(), map[string]string{"init/0": signed})
	if err != nil || len(checked) != 1 {
		t.Errorf("VerifyAll of a signed image: %q %v", checked, err)
	}
}

func TestParseKeys(t *testing.T) {
	s := testrig.NewSigner(t)
	two := append(s.PublicKeyPEM(t), testrig.NewSigner(t).PublicKeyPEM(t)...)
	if keys, err := ParseKeys("two.pub", two); err != nil || len(keys) != 2 {
		t.Fatalf("two keys: %d %v", len(keys), err)
	}
	for name, data := range map[string]string{
		"empty":   "",
		"garbage": "not a key",
		"private": "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
		"bad der": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
	} {
		if _, err := ParseKeys(name+".pub", []byte(data)); err == nil || !strings.Contains(err.Error(), name+".pub") {
			t.Errorf("%s: error %v does not name the file", name, err)
		}
	}
}

func TestPatterns(t *testing.T) {
	for _, c := range []struct {
		pattern, repo string
		want          bool
	}{
		{"linuxkit/*", "docker.io/linuxkit/init", true},
		{"linuxkit/*", "docker.io/linuxkit/x/y", false},
		{"linuxkit/*", "docker.io/library/alpine", false},
		{"alpine", "docker.io/library/alpine", true},
		{"ghcr.io/org/**", "ghcr.io/org/a/b", true},
		{"ghcr.io/org/**", "ghcr.io/orgx/a", false},
		{"localhost/x", "localhost/x", true},
	} {
		p, err := normalizePattern(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := matches([]string{p}, c.repo); got != c.want {
			t.Errorf("%s ~ %s = %v, want %v", c.pattern, c.repo, got, c.want)
		}
	}
	if _, err := normalizePattern("[bad"); err == nil {
		t.Error("a malformed pattern was accepted")
	}
	got := strings.Join(TrustPatterns([]string{"linuxkit"}, []string{"docker.io/library/alpine:3.21", "127.0.0.2:5000/x/y@sha256:ab"}), " ")
	if got != "linuxkit/* docker.io/library/alpine 127.0.0.2:5000/x/y" {
		t.Errorf("TrustPatterns = %q", got)
	}
}

func TestNewChecksPolicy(t *testing.T) {
	keys, err := ParseKeys("k", testrig.NewSigner(t).PublicKeyPEM(t))
	if err != nil {
		t.Fatal(err)
	}
	src := Remote(nil)
	for name, p := range map[string]Policy{
		"no keys":   {Images: []string{"x"}, Source: src},
		"no images": {Keys: keys, Source: src},
		"no source": {Keys: keys, Images: []string{"x"}},
	} {
		if _, err := New(p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestWeakKeys(t *testing.T) {
	weak, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewKey("p224", &weak.PublicKey); err == nil || !strings.Contains(err.Error(), "P-224") {
		t.Errorf("a P-224 key: %v", err)
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewKey("rsa1024", &small.PublicKey); err == nil {
		t.Error("a 1024-bit RSA key was accepted")
	}
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewKey("ed", pub); err != nil {
		t.Errorf("an Ed25519 key: %v", err)
	}
}

// TestTrustSection maps a linuxkit spec's trust: section onto patterns
// and checks which of its images they cover.
func TestTrustSection(t *testing.T) {
	s, err := spec.Parse("t.yml", []byte("trust:\n  org: [linuxkit]\n  image: [nginx:1.25]\nservices: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ParseKeys("k", testrig.NewSigner(t).PublicKeyPEM(t))
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(Policy{Keys: keys, Images: TrustPatterns(s.Trust.Org, s.Trust.Image), Source: Remote(nil)})
	if err != nil {
		t.Fatal(err)
	}
	pin := "@sha256:" + strings.Repeat("a", 64)
	for ref, want := range map[string]bool{
		"docker.io/linuxkit/init:v1" + pin:    true,
		"docker.io/library/nginx:1.27" + pin:  true,
		"docker.io/library/alpine:3.21" + pin: false,
		"ghcr.io/linuxkit/init:v1" + pin:      false,
		"docker.io/linuxkit/init:v1":          false, // not pinned
	} {
		if got := v.Matches(ref); got != want {
			t.Errorf("Matches(%s) = %v, want %v", ref, got, want)
		}
	}
}

// TestRegistryFaults: a failing registry is an error naming the image, not
// a missing signature, and an altered payload blob is caught by its digest.
func TestRegistryFaults(t *testing.T) {
	r := newRig(t)
	proxy := testrig.StartFaultProxy(t, r.reg.Host)
	_, digest := r.push(t, "linuxkit/init")
	r.reg.SignImage(t, r.signer, "linuxkit/init", digest)
	ref := proxy.Host + "/linuxkit/init:test@" + digest
	v, err := New(Policy{Keys: r.v.keys, Images: []string{"linuxkit/*"}, Source: Remote([]name.Option{name.Insecure}, remote.WithRetryBackoff(remote.Backoff{Steps: 1}))})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(context.Background(), ref); err != nil {
		t.Fatalf("through the proxy: %v", err)
	}
	for _, mode := range []testrig.FaultMode{testrig.Status500, testrig.WrongDigest} {
		proxy.Inject(testrig.Fault{Mode: mode, Times: testrig.Always})
		err := v.Verify(context.Background(), ref)
		proxy.Clear()
		if err == nil || errors.Is(err, ErrUnsigned) || !strings.Contains(err.Error(), ref) {
			t.Errorf("%s: %v, want an error naming %s that is not ErrUnsigned", mode, err, ref)
		}
	}
}
