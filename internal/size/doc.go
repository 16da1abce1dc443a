// Package size parses and formats the byte sizes users write in templates:
// a whole number followed by a binary unit, K, M, G or T (KiB … TiB), such as
// "512M" or "10G".
//
// A bare number is rejected on purpose: linuxkit reads "1024" as MB in some
// places and bytes in others, and this plugin does not repeat that confusion.
//
// The package owns only this notation. It does no I/O and must not import the
// Packer SDK (it is a library under internal/).
package size
