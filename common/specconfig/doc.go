// Package specconfig holds the spec options the builder and the datasource
// share (spec_files, spec, arch, pull, cache_dir, registry_mirrors,
// insecure_registries): the SpecConfig struct with its mapstructure tags and
// generated HCL2 spec, its defaults and validation, loading and merging the
// spec files, and turning the options into an image.Store and a resolved,
// pinned spec. Both components squash SpecConfig into their Config, so they
// read and resolve a spec the same way and their digests agree.
//
// It is a shell-side package: it may use the Packer SDK for its generated
// code. It must not hold build steps, output formats or anything only one
// component uses; the engine work it starts lives in internal/spec,
// internal/image and internal/resolve.
package specconfig
