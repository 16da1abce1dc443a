package media

import "fmt"

// isoLayout fixes where every structure of the image goes, before a byte is written:
//
//	LBA 0..15   system area (the isohybrid MBR in its first 512 bytes)
//	LBA 16      primary volume descriptor
//	LBA 17      El Torito boot record (when booting)
//	next        volume descriptor set terminator
//	next        L path table, then M path table
//	next        directories, in path table order
//	next        the root's SUSP continuation area (the Rock Ridge ER entry)
//	next        file data, in the order the files were added
//	then        padding, and alignment when the image is isohybrid
type isoLayout struct {
	tree *isoTree
	dirs []*isoNode

	bootRecordLBA uint32 // 0 when the image has no El Torito boot record
	terminatorLBA uint32
	ptSize        uint32
	lPathLBA      uint32
	mPathLBA      uint32
	ceLBA         uint32
	dataEnd       uint32 // first sector after the last file
	total         uint32 // sectors in the image, the volume space size
}

const pvdLBA = systemSectors

// tailPadSectors is the zero padding after the last file. mkisofs and xorriso add 300 KiB by
// default so that old kernels' read-ahead at the end of a CD never reads past the last sector.
const tailPadSectors = 150

// layoutISO assigns sectors to every structure of t.
func layoutISO(t *isoTree, boot bool) (*isoLayout, error) {
	l := &isoLayout{tree: t, dirs: t.dirs()}
	lba := uint64(pvdLBA + 1)
	if boot {
		l.bootRecordLBA = uint32(lba)
		lba++
	}
	l.terminatorLBA = uint32(lba)
	lba++

	l.ptSize = pathTableSize(l.dirs)
	ptSectors := uint64(sectorsFor(int64(l.ptSize)))
	l.lPathLBA = uint32(lba)
	lba += ptSectors
	l.mPathLBA = uint32(lba)
	lba += ptSectors

	for i, d := range l.dirs {
		d.number = i + 1
		ext, err := directoryBytes(d.records())
		if err != nil {
			return nil, err
		}
		d.lba, d.extent = uint32(lba), ext
		lba += uint64(ext / sectorSize)
	}
	if len(l.dirs) > 0xffff {
		return nil, fmt.Errorf("media: %d directories exceed the path table's limit of 65535", len(l.dirs))
	}

	l.ceLBA = uint32(lba)
	lba++

	for _, f := range t.files {
		f.lba = uint32(lba)
		lba += uint64(sectorsFor(f.size))
		if lba > 0xffffffff {
			return nil, fmt.Errorf("media: the image would exceed 2^32 sectors")
		}
	}
	l.dataEnd = uint32(lba)
	lba += tailPadSectors
	if lba > 0xffffffff {
		return nil, fmt.Errorf("media: the image would exceed 2^32 sectors")
	}
	l.total = uint32(lba)
	return l, nil
}

// size returns the image size in bytes.
func (l *isoLayout) size() int64 { return int64(l.total) * sectorSize }
