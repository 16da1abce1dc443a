package media

import (
	"encoding/binary"
	"fmt"
)

// El Torito (the "Bootable CD-ROM Format Specification" 1.0): the boot record volume
// descriptor, the boot catalog and isolinux's boot-info-table.

// bootLoadSectors is the number of 512-byte virtual sectors the BIOS loads from isolinux.bin
// (mkisofs -boot-load-size 4): the first 2 KiB, which load the rest through the boot-info-table.
const bootLoadSectors = 4

// bootRecord builds the boot record volume descriptor pointing at the boot catalog.
func bootRecord(catalogLBA uint32) []byte {
	b := make([]byte, sectorSize)
	b[0] = 0
	copy(b[1:6], "CD001")
	b[6] = 1
	copy(b[7:39], "EL TORITO SPECIFICATION") // zero padded
	binary.LittleEndian.PutUint32(b[0x47:], catalogLBA)
	return b
}

// bootCatalog builds a one-entry catalog: the validation entry (platform x86) and a bootable
// no-emulation initial entry that loads bootLoadSectors sectors of the image at imageLBA to the
// default segment 0x07C0.
func bootCatalog(imageLBA uint32) []byte {
	b := make([]byte, sectorSize)
	v := b[0:32]
	v[0] = 1 // header ID
	v[1] = 0 // platform: 80x86
	v[30], v[31] = 0x55, 0xaa
	putValidationChecksum(v)
	e := b[32:64]
	e[0] = 0x88 // bootable
	e[1] = 0    // no emulation
	binary.LittleEndian.PutUint16(e[2:], 0)
	e[4] = 0 // system type (the partition type byte; unused without emulation)
	binary.LittleEndian.PutUint16(e[6:], bootLoadSectors)
	binary.LittleEndian.PutUint32(e[8:], imageLBA)
	return b
}

// Layout of isolinux's boot-info-table (mkisofs -boot-info-table), at byte 8 of the image.
const (
	bootInfoOffset = 8
	bootInfoEnd    = 64
)

// patchBootInfoTable returns a copy of the boot image with its boot-info-table filled in: the
// primary volume descriptor's LBA, the image's own LBA and length, and the 32-bit sum of the
// little-endian words from byte 64 to the end (zero padded to a multiple of 4). The 40 reserved
// bytes are zeroed, as mkisofs does. isolinux uses it to find the rest of itself.
func patchBootInfoTable(image []byte, imageLBA uint32) ([]byte, error) {
	if len(image) <= bootInfoEnd {
		return nil, fmt.Errorf("media: boot image of %d bytes is too small for a boot-info-table", len(image))
	}
	out := make([]byte, len(image), len(image)+3)
	copy(out, image)
	var sum uint32
	tail := out[bootInfoEnd:]
	for i := 0; i < len(tail); i += 4 {
		var word [4]byte
		copy(word[:], tail[i:])
		sum += binary.LittleEndian.Uint32(word[:])
	}
	t := out[bootInfoOffset:bootInfoEnd]
	clear(t)
	binary.LittleEndian.PutUint32(t[0:], pvdLBA)
	binary.LittleEndian.PutUint32(t[4:], imageLBA)
	binary.LittleEndian.PutUint32(t[8:], uint32(len(image)))
	binary.LittleEndian.PutUint32(t[12:], sum)
	return out, nil
}

// platformEFI is El Torito's platform ID for UEFI (UEFI specification 13.3.2.1).
const platformEFI = 0xef

// efiBootCatalog builds a one-entry catalog for UEFI: the validation entry (platform EFI) and a
// bootable no-emulation entry for the FAT image at imageLBA of sectors512 512-byte sectors.
// The sector count is 16 bits; an image too large for it gets 0, which EDK2 firmware (OVMF,
// AAVMF) reads as "up to the end of the medium": the FAT volume then ends where its boot
// sector says.
func efiBootCatalog(imageLBA uint32, sectors512 uint64) []byte {
	b := bootCatalog(imageLBA)
	v := b[0:32]
	v[1] = platformEFI
	putValidationChecksum(v)
	count := uint16(0)
	if sectors512 <= 0xffff {
		count = uint16(sectors512)
	}
	binary.LittleEndian.PutUint16(b[32+6:], count)
	return b
}

// putValidationChecksum sets the validation entry's checksum so that its 16 words sum to zero.
func putValidationChecksum(v []byte) {
	v[28], v[29] = 0, 0
	var sum uint16
	for i := 0; i < 32; i += 2 {
		sum += binary.LittleEndian.Uint16(v[i:])
	}
	binary.LittleEndian.PutUint16(v[28:], -sum)
}
