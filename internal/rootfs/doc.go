// Package rootfs writes a LinuxKit image's whole filesystem as one
// deterministic tar stream: the kernel's boot files and kernel.tar, the init
// images flattened at /, the volumes, the onboot/onshutdown/services bundles
// under containers/, and the spec's files section. The tar and initrd output
// formats are made from this stream.
//
// It owns: flattening image layers (whiteouts, opaque directories, hardlinks),
// LinuxKit's layout rules (bundle layout and runtime.json rootfs mounts,
// bundle de-duplication, the init "touch/replace/exclude" fix-ups, the apk
// database union, the kernel image layout), and keeping hostile layers
// contained. It must not touch: registries or the image cache (it receives
// v1.Image values), YAML or OCI config generation (the caller passes
// config.json bytes and a RuntimeConfig that encodes runtime.json once the
// rootfs mounts are known), where volumes live (the plan names their
// directories), and compression or cpio (the initrd package reads our tar).
// Reading a layer does mean decompressing it: gzip layers go through
// klauspost/compress's decoder (decompress.go), anything else through
// go-containerregistry's Uncompressed.
//
// # How the stream is built
//
// Index reads every layer once, headers only, and merges everything into one
// in-memory tree of headers: later sources win path by path, directories merge.
// No file contents are held, only where each one lives (layer, entry number).
// Writing then takes two phases:
//
//  1. every entry whose bytes are known without reading a layer (directories,
//     symlinks, devices, small generated files) in sorted depth-first order, so
//     a parent always precedes its children, as the kernel's initramfs
//     unpacker requires;
//  2. the regular files that live in layers, streamed a second time in
//     pipeline order (source, layer, entry), each path written once, extra
//     paths to the same file written as hardlinks to the first.
//
// The output holds each path exactly once, so it does not depend on "later
// entries override earlier ones" at extraction time, which tar and the kernel
// unpacker implement differently (a file cannot replace a non-empty
// directory). Same Plan, same bytes.
//
// # Hostile layers
//
// Layers are untrusted. Every name is cleaned and rooted; a name or hardlink
// target that climbs out with ".." is an error naming the source, layer and
// entry. A path whose parent is a symlink is resolved inside the image's own
// tree, clamped at its root, as docker (chroot) and containerd (RootPath) do
// when they apply a layer; the entry is stored where it resolves, so the
// output never holds a path below a symlink, and nothing we write can be
// reached through one. Symlink targets are kept verbatim: /bin/sh -> busybox
// is the image's own namespace. Hardlinks must name an existing, earlier,
// non-directory entry of the same image. Device nodes are dropped from bundle
// and volume images (containers get /dev from the runtime). Sparse files,
// symlink loops, over-deep paths and more than 2,000,000 entries are
// refused. See the README for the full list.
package rootfs
