// Package initrd turns the image's tar stream into the initrd the kernel unpacks at boot: a cpio
// archive in the "newc" format (the only one the kernel's initramfs code reads), compressed
// with parallel gzip.
//
// It owns:
//   - a small newc writer (CPIOWriter) that handles what the kernel needs and other Go cpio
//     libraries lack or make heavy: regular files, directories, symlinks, character and block
//     devices (rdev major/minor), fifos, the TRAILER!!! record, 4-byte padding, and inode
//     numbers assigned in order so the same input gives the same bytes;
//   - the tar → cpio conversion (Write), with linuxkit's semantics: a hardlink becomes a
//     relative symlink to its target, as linuxkit's initrd package does; entries under boot/
//     (kernel, cmdline, ucode) can be diverted to the caller instead of the archive;
//   - the choice of compression: internal/deflate's parallel gzip at a fixed block size and a
//     gzip level mapped to its search depth, so the output bytes never depend on the core
//     count or on the concurrency chosen.
//
// Everything streams: memory stays bounded by the gzip block size times the concurrency, not
// by the image size.
//
// It must not touch the network, the image cache, the file system or the Packer SDK: it reads
// a tar stream and writes bytes. Where the tar stream comes from is internal/rootfs's job;
// where the initrd goes is the caller's.
package initrd
