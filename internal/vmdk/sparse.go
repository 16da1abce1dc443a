package vmdk

import (
	"fmt"
	"math"
)

// writeSparse writes a monolithicSparse extent with qemu-img's layout:
//
//	header | descriptor (20 sectors) | redundant GD | redundant GTs | GD | GTs | pad to a grain | grains
//
// Every grain table is allocated up front, so both directories are final from the start; the
// tables are filled in at the end, once every grain has its place.
func writeSparse(out *output, gs *grainSource, l layout, o Options) error {
	rgd := uint64(descOffset + descSectors)
	rgt := rgd + l.gdSectors
	gd := rgt + l.tables*gtSectors
	gt := gd + l.gdSectors
	overhead := (gt + l.tables*gtSectors + grainSectors - 1) / grainSectors * grainSectors

	h := header{version: 1, flags: flagNewlineCheck | flagRedundantGD, capacity: l.capSectors,
		rgdOffset: rgd, gdOffset: gd, overhead: overhead}
	if err := writeHead(out, h, l, o); err != nil {
		return err
	}
	for _, dirAt := range [][2]uint64{{rgd, rgt}, {gd, gt}} {
		dir := make([]uint32, l.tables)
		for i := range dir {
			dir[i] = uint32(dirAt[1] + uint64(i)*gtSectors)
		}
		if err := out.padTo(dirAt[0]); err != nil {
			return err
		}
		if err := out.write(putTable(dir)); err != nil {
			return err
		}
	}
	if err := out.padTo(overhead); err != nil {
		return err
	}

	tables := make([]uint32, l.tables*gtEntries)
	buf := make([]byte, grainBytes)
	for {
		index, ok, err := gs.nextData(buf)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		at := out.sector()
		if at > math.MaxUint32 {
			return fmt.Errorf("vmdk: file grows past the 2 TiB a grain table can address")
		}
		tables[index] = uint32(at)
		if err := out.write(buf); err != nil {
			return err
		}
	}

	for _, at := range []uint64{rgt, gt} {
		if err := out.patchTable(int64(at)*sectorSize, tables); err != nil {
			return err
		}
	}
	return patchDescriptor(out, gs, l, o)
}

// writeHead writes the header h and a descriptor whose content ID is still 0:
// patchDescriptor writes the real one over it at the end.
func writeHead(out *output, h header, l layout, o Options) error {
	desc, err := descriptor(o, l.capSectors, 0)
	if err != nil {
		return err
	}
	if err := out.write(h.marshal()); err != nil {
		return err
	}
	return out.write(desc)
}

// patchDescriptor writes the final descriptor over the space reserved for it at descOffset,
// with the content ID o.CID or, when that is 0, the one derived from the grains written.
func patchDescriptor(out *output, gs *grainSource, l layout, o Options) error {
	cid := o.CID
	if cid == 0 {
		cid = gs.cid()
	}
	desc, err := descriptor(o, l.capSectors, cid)
	if err != nil {
		return err
	}
	return out.patch(descOffset*sectorSize, desc)
}
