// Package spec is the LinuxKit YAML model: the types of a spec, a strict
// parser that reports every problem with file:line:column and a field path,
// linuxkit's validation rules, the merge of several spec files, image
// reference normalization and pinning, the canonical form and its digest,
// and the pure functions that turn a container entry plus its image config
// into config.json and runtime.json (linuxkit's ConfigToOCI).
//
// The package owns the meaning of a spec and nothing else, including the
// root filesystem layout its paths refer to (bundle and volume directories),
// which internal/assemble carries into the rootfs plan. It does no I/O:
// callers pass bytes and readers, and get bytes back. It never pulls images,
// reads files named by a spec (files[].source; File.SourcePath only says
// where they are), or writes a root filesystem; internal/resolve,
// internal/image and internal/rootfs do. It does not import the Packer SDK.
//
// Typical use:
//
//	a, err := spec.Parse("base.yml", data)       // one per file
//	s, err := spec.Merge(a, b)                   // always, even for one file
//	for _, u := range s.Images() { ... }         // resolve u.Ref to a digest
//	p, err := s.Pin(pinned)                      // every ref -> ref@sha256:…
//	y, err := p.Canonical()                      // digest := spec.Digest(y, …)
//	img, err := p.ResolveVolumes(p.Services[0])
//	oci, rt, err := spec.OCIConfig(img, info, p.ContainerIDs())
//
// Where linuxkit has a known bug this package does the right thing and says
// so at the place: volumes from every merged file are kept, mergeStrings
// deduplicates, the unknown rlimit message names the limit, bind mounts to
// volumes are rewritten, runtime-spec keys are matched case-insensitively.
package spec
