// Package deflate is a small DEFLATE (RFC 1951) encoder, in a zlib (RFC 1950) frame, for
// buffers of up to a few hundred KiB: the streamOptimized vmdk's 64 KiB grains.
//
// It exists because of one gap in the Go compressors: klauspost/compress and the standard
// library never emit a match shorter than 4 bytes, and on tables of small records (a
// kernel's relocations, symbol tables, arrays of 32-bit offsets) most repeats are 3 bytes
// long. zlib, which qemu-img and VMware use, finds them, and its output of such data is up
// to 45% smaller than the Go compressors' at any level. This encoder follows zlib's level 6
// search (hash chains over 3-byte strings, lazy evaluation, the same chain limits) and
// writes each block of at most 16383 symbols as dynamic Huffman, fixed Huffman or stored
// blocks, whichever is shortest, as zlib does. It is slower than klauspost's level 7 on
// ordinary data, so callers keep it for the data it is made for.
//
// The output is a pure function of the input: no level, no concurrency, no state carried
// from one call to the next. The package owns only the encoding; it does no I/O.
package deflate
