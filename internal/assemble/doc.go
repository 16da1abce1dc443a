// Package assemble turns a pinned LinuxKit spec into a rootfs.Plan: for each
// container it reads the image's config, builds config.json and runtime.json
// with internal/spec, and carries the layout paths spec defines (bundle and
// volume directories) into the plan.
//
// It owns that translation only, and it is pure: images come from a lookup
// function (normally the local cache of internal/image, filled by
// internal/resolve), it does no network I/O and writes no files. A
// files[].source entry becomes an opener that rootfs calls when it reads the
// file. It does not know about Packer or output formats.
package assemble
