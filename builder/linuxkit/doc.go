// Package linuxkit is the Packer builder "linuxkit": it turns LinuxKit YAML
// specs into boot artifacts natively in Go, with no Docker, no root and no
// host tools.
//
// It is a thin Packer shell. config.go validates the options, one prepare
// function per concern (the spec options are common/specconfig's, shared with
// the datasource); builder.go opens the build's one image store and lists the
// steps; each step_*.go calls one
// engine function from internal/, takes its inputs as fields and puts its
// products in the state bag under the keys of state.go; artifact.go
// publishes the result under internal/artifact's names. The output
// directory is marked as the plugin's (internal/safeio), so -force only ever
// replaces a folder the plugin made.
//
// It must not implement image, filesystem or media formats, nor decide what
// -force may remove: those belong to internal/.
package linuxkit
