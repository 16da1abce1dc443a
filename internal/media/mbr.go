package media

import (
	"encoding/binary"
	"fmt"
)

// The isohybrid MBR: syslinux's isohdpfx.bin boot code in the first 432 bytes of the image, the
// sector of isolinux.bin for it to load, and one partition covering the ISO, so that firmware
// booting the image as a hard disk runs isolinux from the very same bytes. The values follow
// what `xorriso -as mkisofs -isohybrid-mbr isohdpfx.bin` writes (libisofs make_isolinux_mbr):
//
//	  0..431  isohdpfx.bin
//	432..439  LBA of isolinux.bin in 512-byte sectors, 64-bit little-endian
//	440..443  disk signature (xorriso: random; here derived from the content)
//	444..445  zero
//	446..461  partition 1: active, type 0x17, LBA 0, the whole (aligned) ISO, CHS in the geometry
//	462..509  partitions 2..4: empty
//	510..511  0x55 0xAA

const (
	mbrCodeLen = 432
	mbrSize    = 512
	// isohybridPartType is the partition type isohybrid and xorriso give the ISO partition.
	isohybridPartType = 0x17
	// isohybridMagic marks an isolinux.bin built for isohybrid use (little-endian at 0x40); the
	// isohdpfx.bin code relies on what follows it.
	isohybridMagic       = 0x7078c0fb
	isohybridMagicOffset = 0x40
)

// geometry is the CHS geometry used for the partition table's CHS fields and cylinder alignment.
type geometry struct{ heads, sectors int }

// cylinderBytes is the size of one cylinder.
func (g geometry) cylinderBytes() int64 { return int64(g.heads) * int64(g.sectors) * 512 }

// defaultGeometry is isohybrid's 64 heads × 32 sectors: 1 MiB cylinders.
var defaultGeometry = geometry{heads: 64, sectors: 32}

// hybridGeometry picks the geometry for an image of size bytes the way libisofs does: 64/32 up
// to 1024 cylinders (1 GiB); above that, 32 sectors with just enough heads (≤ 255); above that,
// 63 sectors with the heads rounded up to a multiple of 4 so a cylinder stays a multiple of
// 2048 bytes.
func hybridGeometry(size int64) geometry {
	g := defaultGeometry
	if g.cylinderBytes()*1024 >= size {
		return g
	}
	blocks := size / 512
	heads := func(sph int64) int64 {
		h := blocks / sph / 1024
		if h*sph*1024 < blocks {
			h++
		}
		return h
	}
	if h := heads(32); h <= 255 {
		return geometry{heads: int(h), sectors: 32}
	}
	h := heads(63)
	if h%4 != 0 {
		h += 4 - h%4
	}
	return geometry{heads: int(min(h, 255)), sectors: 63}
}

// alignHybrid rounds an image of sectors (2048 bytes) up to whole cylinders of its geometry, as
// isohybrid and xorriso do, so the partition ends on a cylinder boundary. Images past 1024
// cylinders, or whose cylinder is not a multiple of 2048 bytes, are left as they are.
func alignHybrid(sectors uint64) (uint64, geometry) {
	size := int64(sectors) * sectorSize
	g := hybridGeometry(size)
	cyl := g.cylinderBytes()
	if cyl%sectorSize != 0 || size > cyl*1024 {
		return sectors, g
	}
	if rem := size % cyl; rem != 0 {
		size += cyl - rem
	}
	return uint64(size / sectorSize), g
}

// chs computes the CHS address of a 512-byte LBA, clamped to the last addressable cylinder.
func (g geometry) chs(lba uint64) [3]byte {
	spc := uint64(g.heads * g.sectors)
	cyl := lba / spc
	rest := lba - cyl*spc
	head := rest / uint64(g.sectors)
	sec := rest - head*uint64(g.sectors) + 1
	if cyl >= 1024 {
		cyl, head, sec = 1023, uint64(g.heads-1), uint64(g.sectors)
	}
	return [3]byte{byte(head), byte(sec) | byte((cyl&0x300)>>2), byte(cyl)}
}

// isohybridMBR builds the 512-byte MBR for an ISO of isoSectors (2048 bytes) whose boot image
// isolinux.bin starts at sector bootLBA.
func isohybridMBR(code []byte, bootLBA, isoSectors uint32, g geometry, signature uint32) ([]byte, error) {
	if len(code) < mbrCodeLen {
		return nil, fmt.Errorf("media: isohdpfx.bin has %d bytes, need at least %d", len(code), mbrCodeLen)
	}
	b := make([]byte, mbrSize)
	copy(b, code[:mbrCodeLen])
	binary.LittleEndian.PutUint64(b[432:], uint64(bootLBA)*4)
	binary.LittleEndian.PutUint32(b[440:], signature)

	blocks := min(uint64(isoSectors)*4, 0xfffffffc)
	p := b[446:462]
	p[0] = 0x80
	start := g.chs(0)
	copy(p[1:4], start[:])
	p[4] = isohybridPartType
	end := g.chs(blocks - 1)
	copy(p[5:8], end[:])
	binary.LittleEndian.PutUint32(p[8:], 0)
	binary.LittleEndian.PutUint32(p[12:], uint32(blocks))
	b[510], b[511] = 0x55, 0xaa
	return b, nil
}
