// Package deflate is a small DEFLATE (RFC 1951) encoder, with a zlib (RFC 1950) frame for
// buffers of up to a few hundred KiB (the streamOptimized vmdk's 64 KiB grains) and a
// parallel gzip (RFC 1952) writer for streams (the initrd).
//
// It exists because of one gap in the Go compressors: klauspost/compress and the standard
// library never emit a match shorter than 4 bytes. On tables of small records (a kernel's
// relocations, symbol tables, arrays of 32-bit offsets) most repeats are 3 bytes long, and
// zlib's output, which qemu-img and VMware write, is up to 45% smaller than the Go
// compressors' at any level; on a real tree (the Go distribution's cpio) it is 2% smaller
// than klauspost's level 7 and 0.4% smaller than its level 9. This encoder follows zlib's lazy
// evaluation (its nice length and TOO_FAR; good and lazy lengths of 4 and 64), but links
// positions by their first 4 bytes, keeps the latest 3-byte match apart and weighs a longer
// match against its distance, which gives at depth 32 a little less than zlib at 128. Each
// block of at most 8191 symbols is written as dynamic Huffman, fixed Huffman or stored, whichever is
// shortest, as zlib does. It is slower than klauspost's level 7 (1.35 times its CPU on the Go
// tree at depth 32), so callers keep it for where its size matters.
//
// The output is a pure function of the input, the depth and, for GzipWriter, the part size:
// nothing of one call shows in the next, and the parts are cut at fixed sizes whatever the
// concurrency. The package owns the encoding and the gzip frame; it opens no file and knows
// nothing of what the stream holds.
package deflate
