package vmdk

import (
	"encoding/binary"
	"fmt"
)

// Constants of the hosted sparse extent format (VMware Virtual Disk Format 1.1).
const (
	sectorSize    = 512
	grainSectors  = 128                       // 64 KiB grains, as VMware and qemu-img use
	grainBytes    = grainSectors * sectorSize //
	gtEntries     = 512                       // grain table entries per table (numGTEsPerGT)
	gtSectors     = gtEntries * 4 / sectorSize
	descOffset    = 1  // the descriptor starts right after the header
	descSectors   = 20 // room reserved for it, as qemu-img reserves
	maxCapSectors = 1 << 32

	magic            = 0x564d444b // "KDMV" read as a little-endian uint32
	flagNewlineCheck = 1 << 0     // the header's newline characters are valid
	flagRedundantGD  = 1 << 1     // a redundant grain directory exists
	flagCompressed   = 1 << 16    // grains are compressed
	flagMarkers      = 1 << 17    // the file uses markers
	compressDeflate  = 1          // zlib (RFC 1950) streams, what VMware and qemu-img write
	gdAtEnd          = ^uint64(0) // header gdOffset of a stream: look in the footer

	markerEOS    = 0
	markerGT     = 1
	markerGD     = 2
	markerFooter = 3
)

// header is the first sector of a sparse extent (SparseExtentHeader).
type header struct {
	version      uint32
	flags        uint32
	capacity     uint64 // sectors
	rgdOffset    uint64 // sector of the redundant grain directory, 0 when absent
	gdOffset     uint64 // sector of the grain directory, or gdAtEnd
	overhead     uint64 // sectors before the first grain
	compressAlgo uint16
}

// marshal encodes the header as one sector.
func (h header) marshal() []byte {
	b := make([]byte, sectorSize)
	le := binary.LittleEndian
	le.PutUint32(b[0:], magic)
	le.PutUint32(b[4:], h.version)
	le.PutUint32(b[8:], h.flags)
	le.PutUint64(b[12:], h.capacity)
	le.PutUint64(b[20:], grainSectors)
	le.PutUint64(b[28:], descOffset)
	le.PutUint64(b[36:], descSectors)
	le.PutUint32(b[44:], gtEntries)
	le.PutUint64(b[48:], h.rgdOffset)
	le.PutUint64(b[56:], h.gdOffset)
	le.PutUint64(b[64:], h.overhead)
	b[72] = 0 // uncleanShutdown
	// The newline-detection characters catch a file mangled by a text-mode transfer.
	b[73], b[74], b[75], b[76] = '\n', ' ', '\r', '\n'
	le.PutUint16(b[77:], h.compressAlgo)
	return b
}

// marker encodes a metadata marker sector: numSectors of metadata follow it.
func marker(typ uint32, numSectors uint64) []byte {
	b := make([]byte, sectorSize)
	binary.LittleEndian.PutUint64(b[0:], numSectors)
	// b[8:12] is the size field, 0 for metadata markers (a grain marker has its length there).
	binary.LittleEndian.PutUint32(b[12:], typ)
	return b
}

// putTable encodes uint32 table entries (grain tables, grain directories).
func putTable(entries []uint32) []byte {
	b := make([]byte, 4*len(entries))
	for i, e := range entries {
		binary.LittleEndian.PutUint32(b[4*i:], e)
	}
	return b
}

// descriptor is the embedded text descriptor, zero-padded to its reserved sectors.
func descriptor(o Options, capSectors uint64, cid uint32) ([]byte, error) {
	heads := uint64(255)
	maxCyl := uint64(65535)
	if o.Adapter == "ide" {
		heads, maxCyl = 16, 16383
	}
	cyl := min(max(capSectors/(heads*63), 1), maxCyl)
	text := fmt.Sprintf(`# Disk DescriptorFile
version=1
encoding="UTF-8"
CID=%08x
parentCID=ffffffff
createType="%s"

# Extent description
RW %d SPARSE "%s"

# The Disk Data Base
#DDB

ddb.adapterType = "%s"
ddb.geometry.cylinders = "%d"
ddb.geometry.heads = "%d"
ddb.geometry.sectors = "63"
ddb.virtualHWVersion = "%s"
`, cid, o.Subformat(), capSectors, o.ExtentName, o.Adapter, cyl, heads, o.HWVersion)
	if len(text) >= descSectors*sectorSize {
		return nil, fmt.Errorf("vmdk: descriptor of %d bytes does not fit its %d sectors", len(text), descSectors)
	}
	b := make([]byte, descSectors*sectorSize)
	copy(b, text)
	return b, nil
}

// layout is where the metadata of a disk of a given capacity goes.
type layout struct {
	capSectors uint64 // capacity rounded up to a grain
	grains     uint64 // grains in the disk
	tables     uint64 // grain tables (and grain directory entries)
	gdSectors  uint64 // sectors of one grain directory
}

func newLayout(capacity int64) (layout, error) {
	if capacity <= 0 {
		return layout{}, fmt.Errorf("vmdk: capacity %d must be positive", capacity)
	}
	grains := (uint64(capacity) + grainBytes - 1) / grainBytes
	l := layout{capSectors: grains * grainSectors, grains: grains}
	if l.capSectors > maxCapSectors {
		return l, fmt.Errorf("vmdk: capacity %d bytes exceeds the sparse extent's 2 TiB", capacity)
	}
	l.tables = (grains + gtEntries - 1) / gtEntries
	l.gdSectors = (l.tables*4 + sectorSize - 1) / sectorSize
	return l, nil
}
