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
// The checks before publishing have their own files: config_gate.go
// (boot_test, sbom, verify), step_verify.go (signatures, before the output
// directory exists), sbom_scan.go and step_sbom.go (the SBOM, catalogued from
// the stream the initrd or tar writer produces), step_boottest.go (QEMU
// through internal/boottest, after the checksums) and artifact_gate.go.
//
// The VM packages too: config_ovf.go (the ovf_* hardware and ovf_firmware)
// and step_ovf.go (ova and ovf around the streamOptimized raw disk, the
// descriptor, manifest and tar from internal/ovf).
//
// It must not implement image, filesystem or media formats, nor decide what
// -force may remove: those belong to internal/.
package linuxkit
