// Package media writes bootable images from a kernel and an initrd, natively in Go, with no host
// tools and no root (DESIGN §5):
//
//   - iso-bios: an ISO 9660 image of our own (Rock Ridge, El Torito no-emulation boot of
//     isolinux with a boot-info-table, load size 4), made isohybrid with syslinux's isohdpfx.bin
//     MBR so the same bytes boot from a CD drive and from a disk (WriteISOBIOS);
//   - raw-bios: the isohybrid ISO padded to the disk size, an MBR disk that SeaBIOS and VMware's
//     BIOS boot (WriteRawBIOS);
//   - vmdk: the raw-bios disk streamed through internal/vmdk's sparse-extent writer (WriteVMDK);
//   - the boot files: syslinux's isolinux.bin, ldlinux.c32 and isohdpfx.bin, found in
//     bootloader_dir, the host's syslinux folders or a bootloader image, never vendored
//     (FindBootFiles);
//   - raw-efi: a GPT disk (internal/gpt) whose EFI system partition, a FAT32 volume
//     (internal/fat), holds a UKI (internal/uki: systemd's stub with the kernel, initrd and
//     command line as PE sections) at \EFI\BOOT\BOOTX64.EFI or BOOTAA64.EFI (WriteRawEFI);
//   - iso-efi: an ISO 9660 image with an El Torito UEFI entry pointing at that ESP as a file,
//     and a GPT over the same file so the bytes boot as a disk too (WriteISOEFI);
//   - the EFI stub, found like the syslinux files (FindEFIStub).
//
// Every writer streams: the layout is computed from the sizes first, then the metadata is
// written and the kernel and initrd are copied straight from their sources, once. The output is a
// pure function of the inputs (fixed timestamps, sorted entries, identifiers derived from the
// content), so the same inputs give byte-identical images.
//
// It must not touch YAML, registries or the Packer SDK: callers hand it readers and sizes, and
// a bootloader image as an io/fs.FS. The VMDK container format belongs to internal/vmdk; this
// package only produces the raw bytes it wraps.
package media
