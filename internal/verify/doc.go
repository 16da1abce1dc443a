// Package verify checks cosign signatures of pinned images before anything
// is built from them: key-based and offline (no Rekor, no Fulcio, no
// network but the registry that serves the images).
//
// For every pinned image whose repository matches one of the policy's
// patterns, the signature manifest "<repo>:sha256-<hex>.sig" is fetched
// (through a Source: the builder passes one built from the same
// go-containerregistry transport options its image store uses, so mirrors,
// insecure registries and credentials apply). The image is accepted when
// one of its simple-signing layers
// (application/vnd.dev.cosign.simplesigning.v1+json) carries, in the
// dev.cosignproject.cosign/signature annotation, a base64 signature that
// verifies over the layer's bytes with one of the public keys, and that
// payload's critical.image.docker-manifest-digest is the pinned digest.
// The claimed identity (critical.identity.docker-reference) is not
// compared: pulls through a mirror name another registry, and the digest
// already binds the signature to the content.
//
// Errors name the image and say which check failed: ErrUnsigned (no
// signature manifest), ErrNotVerified (no signature verifies with the
// keys: signed with another key, or the signature or payload altered),
// ErrDigestMismatch (a valid signature of another image).
//
// Keys are PEM public keys as `cosign generate-key-pair` writes cosign.pub
// (PKIX "PUBLIC KEY", ECDSA P-256, SHA-256); RSA and Ed25519 PKIX keys are
// accepted too. Parsing and verification use sigstore's
// pkg/cryptoutils and pkg/signature.
//
// linuxkit's `trust:` section (org: and image: lists, Docker Content Trust
// through Notary, removed from linuxkit) carries no keys, so it cannot be
// checked as written. TrustPatterns maps it onto this policy's patterns:
// every org becomes "<org>/*" and every image its repository, checked
// against the keys the user gives; with no keys the section stays a
// warning, as the spec parser reports it.
package verify
