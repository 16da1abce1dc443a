// Package fat writes a FAT32 file system image, deterministically and as a stream: the layout
// (boot sector, FSInfo, the two FATs, the directories and every file's clusters) is computed
// from the names and sizes first, then the image is written front to back in one pass, each
// file's bytes copied straight from its reader. Nothing is buffered but the directories, so an
// EFI system partition holding a 1 GiB UKI costs a few MiB of memory, not the file's size.
//
// The output is a pure function of the inputs: the volume serial and every timestamp come from
// Options, never the clock; files are allocated contiguously in sorted path order.
//
// Names are 8.3 (an EFI system partition only needs EFI/BOOT/BOOTX64.EFI), stored in upper
// case; long file names are not written. It knows nothing of partitions or boot programs:
// internal/gpt and internal/media place the image.
package fat
