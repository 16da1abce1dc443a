// Package uki writes a Unified Kernel Image: systemd's EFI stub (linuxx64.efi.stub,
// linuxaa64.efi.stub) with the kernel, initrd, command line and os-release added as PE sections,
// a single EFI program that firmware runs from \EFI\BOOT\BOOTX64.EFI or BOOTAA64.EFI.
//
// The layout follows what systemd's ukify does, written from the PE/COFF specification: each new
// section goes after the stub's last one, its virtual address rounded up to the stub's
// SectionAlignment and its file data to the FileAlignment, so no two sections overlap in memory
// (an overlap is what makes AAVMF refuse the image); .linux comes last, marked as code, with a
// virtual size of at least the kernel's own SizeOfImage when the kernel is a PE file (x86
// bzImage and arm64 Image both are), so the kernel can run in place; the headers get the new
// NumberOfSections, SizeOfImage and SizeOfInitializedData, and a zero CheckSum, which EFI does
// not check. A signed stub is refused: adding sections would break its signature.
//
// The stub is small and held in memory; the kernel and initrd are streamed from their readers
// when the image is written, so a 1 GiB initrd is never buffered. The stub is untrusted input:
// the parser bounds-checks every field and returns an error, never panics.
package uki
