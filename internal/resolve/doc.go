// Package resolve turns a merged spec into a pinned one: it pulls (or finds
// in the cache) every image the spec names through an image.Store, pins each
// reference to its digest, makes every files[].source absolute and computes
// the spec digest over the canonical pinned spec and the content of every
// source file. The builder and the datasource both call it, so their digests
// agree.
//
// It owns the one place that pulls spec images. It must not touch YAML
// parsing (internal/spec), the cache layout (internal/image), the rootfs plan
// (internal/assemble) or Packer.
package resolve
