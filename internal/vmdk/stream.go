package vmdk

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// writeStream writes a streamOptimized extent:
//
//	header (gdOffset "at end") | descriptor | pad to sector 128 |
//	{ grain marker + zlib data, padded to a sector }… then GT marker + GT, per grain table |
//	GD marker + GD | footer marker + header copy with the real gdOffset | end-of-stream marker
//
// Grain tables without any grain are written once, as one all-zero table right before the
// grain directory, and every directory entry of an empty region points at it, as VMware's
// own writers do: some importers (ESXi's) refuse a directory entry of 0.
func writeStream(out *output, gs *grainSource, l layout, o Options) error {
	h := header{version: 3, flags: flagNewlineCheck | flagCompressed | flagMarkers, capacity: l.capSectors,
		gdOffset: gdAtEnd, overhead: grainSectors, compressAlgo: compressDeflate}
	if err := writeHead(out, h, l, o); err != nil {
		return err
	}
	if err := out.padTo(h.overhead); err != nil {
		return err
	}

	gd := make([]uint32, l.tables)
	gt := make([]uint32, gtEntries)
	table, used := uint64(0), false // the grain table being filled, and whether it has grains
	flushTable := func() error {
		if !used {
			return nil
		}
		if err := out.write(marker(markerGT, gtSectors)); err != nil {
			return err
		}
		gd[table] = uint32(out.sector())
		if err := out.write(putTable(gt)); err != nil {
			return err
		}
		clear(gt)
		used = false
		return nil
	}

	c := newCompressor()
	for {
		batch, err := c.fill(gs)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		if err := c.compress(batch); err != nil {
			return err
		}
		for _, s := range batch {
			if t := s.index / gtEntries; t != table {
				if err := flushTable(); err != nil {
					return err
				}
				table = t
			}
			if out.sector() > 0xffffffff {
				return fmt.Errorf("vmdk: file grows past the 2 TiB a grain table can address")
			}
			gt[s.index%gtEntries], used = uint32(out.sector()), true
			if err := writeGrain(out, s); err != nil {
				return err
			}
		}
	}
	if err := flushTable(); err != nil {
		return err
	}
	if err := writeEmptyTable(out, gd); err != nil {
		return err
	}

	if err := out.write(marker(markerGD, l.gdSectors)); err != nil {
		return err
	}
	h.gdOffset = out.sector()
	if err := out.write(putTable(gd)); err != nil {
		return err
	}
	if err := out.padTo(h.gdOffset + l.gdSectors); err != nil {
		return err
	}
	if err := out.write(marker(markerFooter, 1)); err != nil {
		return err
	}
	if err := out.write(h.marshal()); err != nil {
		return err
	}
	if err := out.write(marker(markerEOS, 0)); err != nil {
		return err
	}

	return patchDescriptor(out, gs, l, o)
}

// writeEmptyTable writes one all-zero grain table, behind its marker, when some directory
// entry has no table yet, and points every such entry at it.
func writeEmptyTable(out *output, gd []uint32) error {
	if !slices.Contains(gd, 0) {
		return nil
	}
	if err := out.write(marker(markerGT, gtSectors)); err != nil {
		return err
	}
	if out.sector() > 0xffffffff {
		return fmt.Errorf("vmdk: file grows past the 2 TiB a grain directory can address")
	}
	at := uint32(out.sector())
	if err := out.zeros(gtSectors * sectorSize); err != nil {
		return err
	}
	for i, e := range gd {
		if e == 0 {
			gd[i] = at
		}
	}
	return nil
}

// writeGrain writes a grain marker (LBA, compressed length), the zlib data and the padding
// to the next sector.
func writeGrain(out *output, s *slot) error {
	var m [12]byte
	binary.LittleEndian.PutUint64(m[0:], s.index*grainSectors)
	binary.LittleEndian.PutUint32(m[8:], uint32(s.comp.Len()))
	if err := out.write(m[:]); err != nil {
		return err
	}
	if err := out.write(s.comp.Bytes()); err != nil {
		return err
	}
	return out.zeros((sectorSize - out.pos%sectorSize) % sectorSize)
}
