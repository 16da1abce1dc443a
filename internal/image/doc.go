// Package image resolves, pulls and caches OCI images for the LinuxKit
// builder, with go-containerregistry.
//
// It owns:
//   - reference normalization ("nginx" → "docker.io/library/nginx:latest"),
//   - the image cache: an OCI image layout compatible with linuxkit's
//     ~/.linuxkit/cache (index.json entries annotated with
//     org.opencontainers.image.ref.name; multi-arch images stored as the
//     registry's index plus the blobs of the selected platform only),
//   - locking of index.json so that concurrent builds and linuxkit itself
//     can share the cache (shared, read-only locks under pull policy never,
//     so a read-only cache serves it), verified blob writes through
//     internal/safeio's atomic writer, blobs read only when they are regular
//     files, one size limit for manifests, indexes and configs checked
//     before anything is written,
//   - registry access: pull policies (missing, always, never), mirrors,
//     insecure (plain HTTP) registries, docker config.json credentials,
//     retries with backoff, a stall timeout on every registry read
//     (Options.StallTimeout), bounded parallel downloads (every image at
//     once; layers in one pool, manifests and configs in another, so no
//     image waits behind another's layers to be resolved), progress
//     callbacks and notices of retries (Options.Notice); a local failure
//     (disk full, refused rename) is a cache error, never a registry one,
//   - reading a cached platform image back (Store.Image) with its layers
//     verified as they are read, and its buildkit attestations
//     (Store.Attestations: a v1.ImageIndex view of the cached attestation
//     manifests, which internal/sbom reads; this package does not parse
//     them).
//
// Multi-arch images are stored the way containerd does it: the registry's
// index blob (so the pinned digest stays the index digest) plus the blobs
// of the selected platform only, and the attestation manifests
// (annotated vnd.docker.reference.type=attestation-manifest) whose
// vnd.docker.reference.digest is that platform's manifest, with their
// configs and layers, each layer at most 64 MiB (a larger one fails the
// pull; one the registry does not serve is left out with a notice). A
// cached attestation that is incomplete or damaged makes the
// pull policy fetch the image again; one never cached is not an error (the
// builder's SBOM then lacks it, and says so).
// linuxkit itself stores every platform, so a cache entry written here for
// amd64 does not serve `linuxkit build --arch arm64` until linuxkit pulls
// it again (`--pull`); this package, asked for another arch, notices the
// missing blobs and fetches them.
//
// It must not: import the Packer SDK, know about LinuxKit YAML (see
// internal/spec), unpack layers or build filesystems (see internal/rootfs),
// or buffer a layer in memory. Blobs are streamed from the registry to the
// cache and from the cache to the caller.
package image
