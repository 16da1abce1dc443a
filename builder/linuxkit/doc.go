// Package linuxkit is the Packer builder "linuxkit": it turns LinuxKit YAML
// specs into bootable artifacts (kernel+initrd, tar, iso-bios, raw-bios, vmdk)
// natively in Go, with no Docker, no root and no host tools.
//
// It is a thin Packer shell: config.go validates the options, builder.go lists
// the multistep steps, and each step_*.go calls one engine function from
// internal/ (spec, image, rootfs, initrd, media, vmdk). It owns the state-bag
// keys and the artifact; it must not implement image, filesystem or media
// formats itself.
package linuxkit
