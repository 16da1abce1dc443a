// Package assemble turns a pinned LinuxKit spec into a rootfs.Plan: for each
// container it reads the image's config, builds config.json and runtime.json
// with internal/spec, and lays the bundles, volumes and files out the way
// linuxkit does.
//
// It owns that translation only. It does no network I/O (images come from a
// lookup function, normally the local cache of internal/image), never writes
// files, and does not know about Packer or output formats.
package assemble
