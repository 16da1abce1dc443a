package verify

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/pem"
	"fmt"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

// Key is one public key signatures are checked against.
type Key struct {
	// Name says where the key came from (a file name), for messages.
	Name     string
	verifier signature.Verifier
}

// ParseKeys reads every public key in a PEM file (cosign.pub holds one
// "PUBLIC KEY" block; several may be concatenated). name is used in
// errors and in Key.Name.
func ParseKeys(name string, data []byte) ([]Key, error) {
	var out []Key
	rest := bytes.TrimSpace(data)
	for len(rest) > 0 {
		block, next := pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("verify: key %s: not a PEM public key", name)
		}
		rest = bytes.TrimSpace(next)
		if block.Type != string(cryptoutils.PublicKeyPEMType) {
			return nil, fmt.Errorf("verify: key %s: a %q PEM block is not a public key (cosign.pub holds a %q block)", name, block.Type, cryptoutils.PublicKeyPEMType)
		}
		pub, err := cryptoutils.UnmarshalPEMToPublicKey(pem.EncodeToMemory(block))
		if err != nil {
			return nil, fmt.Errorf("verify: key %s: %w", name, err)
		}
		k, err := NewKey(name, pub)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("verify: key %s: no public key in the file", name)
	}
	return out, nil
}

// NewKey makes a Key of a public key (ECDSA on a NIST curve, RSA of at
// least 2048 bits, or Ed25519), verifying with SHA-256 as cosign signs.
func NewKey(name string, pub crypto.PublicKey) (Key, error) {
	if err := checkKey(pub); err != nil {
		return Key{}, fmt.Errorf("verify: key %s: %w", name, err)
	}
	v, err := signature.LoadVerifier(pub, crypto.SHA256)
	if err != nil {
		return Key{}, fmt.Errorf("verify: key %s: %w", name, err)
	}
	return Key{Name: name, verifier: v}, nil
}

// checkKey rejects weak keys. It is sigstore's own rule (cryptoutils'
// deprecated ValidatePubKey), written here because its replacement,
// goodkey, brings in letsencrypt/boulder.
func checkKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return nil
		}
		return fmt.Errorf("ECDSA curve %s is not P-256, P-384 or P-521", k.Curve.Params().Name)
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return fmt.Errorf("RSA key of %d bits, under 2048", k.N.BitLen())
		}
		return nil
	case ed25519.PublicKey:
		return nil
	}
	return fmt.Errorf("unsupported key type %T", pub)
}
