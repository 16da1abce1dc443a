package testrig

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// CosignPayloadType and CosignSignatureAnnotation are cosign's simple
// signing layer media type and the annotation holding its signature.
const (
	CosignPayloadType         = "application/vnd.dev.cosign.simplesigning.v1+json"
	CosignSignatureAnnotation = "dev.cosignproject.cosign/signature"
)

// Signer is an ECDSA P-256 key pair, the kind `cosign generate-key-pair`
// makes, generated in the test to sign fixture images the way cosign does.
type Signer struct {
	key *ecdsa.PrivateKey
}

// NewSigner generates a key.
func NewSigner(t testing.TB) *Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("testrig: generate key: %v", err)
	}
	return &Signer{key: k}
}

// PublicKeyPEM returns the public key as cosign.pub holds it (PKIX, PEM
// "PUBLIC KEY").
func (s *Signer) PublicKeyPEM(t testing.TB) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&s.key.PublicKey)
	if err != nil {
		t.Fatalf("testrig: marshal public key: %v", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// Payload returns cosign's simple signing payload for an image of repo
// with the given manifest digest ("sha256:…").
func Payload(t testing.TB, repo, digest string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"critical": map[string]any{
			"identity": map[string]string{"docker-reference": repo},
			"image":    map[string]string{"docker-manifest-digest": digest},
			"type":     "cosign container image signature",
		},
		"optional": nil,
	})
	if err != nil {
		t.Fatalf("testrig: payload: %v", err)
	}
	return b
}

// Sign returns the base64 ASN.1 ECDSA signature of sha256(payload), as
// cosign writes it into the signature annotation.
func (s *Signer) Sign(t testing.TB, payload []byte) string {
	t.Helper()
	sum := sha256.Sum256(payload)
	sig, err := ecdsa.SignASN1(rand.Reader, s.key, sum[:])
	if err != nil {
		t.Fatalf("testrig: sign: %v", err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// PushSignature pushes a cosign signature manifest for the image of repo
// ("linuxkit/init", see Ref) with the given digest: the tag
// "sha256-<hex>.sig" holding one simple signing layer, payload, annotated
// with sig (base64). Tests pass altered payloads or signatures to check
// that a verifier rejects them.
func (r *Registry) PushSignature(t testing.TB, repo, digest string, payload []byte, sig string) {
	t.Helper()
	layer := static.NewLayer(payload, types.MediaType(CosignPayloadType))
	img, err := mutate.Append(empty.Image, mutate.Addendum{
		Layer:       layer,
		Annotations: map[string]string{CosignSignatureAnnotation: sig},
	})
	if err != nil {
		t.Fatalf("testrig: signature image: %v", err)
	}
	img = mutate.ConfigMediaType(mutate.MediaType(img, types.OCIManifestSchema1), types.OCIConfigJSON)
	r.Push(t, repo+":"+strings.Replace(digest, ":", "-", 1)+".sig", img)
}

// SignImage signs the image of repo with digest as cosign sign does and
// pushes the signature.
func (r *Registry) SignImage(t testing.TB, s *Signer, repo, digest string) {
	t.Helper()
	payload := Payload(t, r.Ref(repo), digest)
	r.PushSignature(t, repo, digest, payload, s.Sign(t, payload))
}
