// Package linuxkit is the Packer builder "linuxkit": it turns LinuxKit YAML
// specs into bootable artifacts (kernel+initrd, tar, iso-bios, raw-bios, vmdk)
// natively in Go, with no Docker, no root and no host tools.
//
// It is a thin Packer shell: config.go validates the options (the spec
// options are common/specconfig's, shared with the datasource), builder.go
// opens the build's one image store and lists the multistep steps, and each
// step_*.go calls one engine function from internal/ (resolve, assemble,
// rootfs, kernelinitrd, media, vmdk). It owns the state-bag keys and the
// artifact; it must not implement image, filesystem or media formats itself.
package linuxkit
