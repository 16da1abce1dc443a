// Package kernelinitrd writes linuxkit's kernel+initrd pair from an indexed
// root filesystem: the kernel binary (boot/kernel of the tree) and the
// initrd, that is the microcode cpio (when the spec names one) followed by
// the gzipped cpio of the filesystem without boot/. The kernel+initrd format
// and every boot medium are made from these two files.
//
// It owns that pairing only. The tree comes from internal/rootfs, the cpio
// and gzip from internal/initrd; it writes to the io.Writer it is given and
// never names or creates files, pulls images or reads YAML.
package kernelinitrd
