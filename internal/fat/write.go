package fat

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/seqio"
)

// Attribute bits of a directory entry.
const (
	attrVolumeID  = 0x08
	attrDirectory = 0x10
	attrArchive   = 0x20
)

// endOfChain marks a cluster chain's last cluster.
const endOfChain = 0x0fffffff

// WriteTo streams the volume to w in one front-to-back pass: the reserved sectors, both FATs,
// then every cluster in order, each file's bytes copied from its reader once. A reader that
// yields more or fewer bytes than its File.Size is an error.
func (im *Image) WriteTo(w io.Writer) (int64, error) {
	cw := seqio.New(w, "fat")
	err := im.write(cw)
	return cw.N, err
}

func (im *Image) write(cw *seqio.Writer) error {
	if err := cw.Put(im.reserved()); err != nil {
		return err
	}
	for range numFATs {
		if err := im.writeFAT(cw); err != nil {
			return err
		}
	}
	date, tm, _ := dosDateTime(im.opts.ModTime)
	cb := int64(im.spc) * sectorSize
	dataStart := int64(reservedSectors+numFATs*im.fatSectors) * sectorSize
	for _, n := range im.order {
		if err := cw.ZerosTo(dataStart + int64(n.cluster-2)*cb); err != nil {
			return err
		}
		if n.dir {
			if err := cw.Put(im.directory(n, date, tm)); err != nil {
				return err
			}
			continue
		}
		if err := copyFile(cw, n.file); err != nil {
			return err
		}
	}
	return cw.ZerosTo(im.Size())
}

// copyFile streams exactly f.Size bytes of f into cw.
func copyFile(cw *seqio.Writer, f File) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("fat: open %s: %w", f.Path, err)
	}
	defer rc.Close()
	n, err := io.CopyN(cw, rc, f.Size)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("fat: %s yielded %d bytes, %d declared", f.Path, n, f.Size)
		}
		return fmt.Errorf("fat: copy %s: %w", f.Path, err)
	}
	var one [1]byte
	if m, _ := io.ReadFull(rc, one[:]); m > 0 {
		return fmt.Errorf("fat: %s is longer than its declared %d bytes", f.Path, f.Size)
	}
	return nil
}

// reserved builds the reserved region: boot sector, FSInfo, their backups at sectors 6 and 7.
func (im *Image) reserved() []byte {
	b := make([]byte, reservedSectors*sectorSize)
	boot := b[:sectorSize]
	copy(boot, []byte{0xeb, 0x58, 0x90})
	copy(boot[3:11], "LINUXKIT")
	le := binary.LittleEndian
	le.PutUint16(boot[11:], sectorSize)
	boot[13] = byte(im.spc)
	le.PutUint16(boot[14:], reservedSectors)
	boot[16] = numFATs
	boot[21] = 0xf8             // fixed disk
	le.PutUint16(boot[24:], 32) // sectors per track
	le.PutUint16(boot[26:], 64) // heads
	le.PutUint32(boot[28:], im.opts.HiddenSectors)
	le.PutUint32(boot[32:], im.totalSector)
	le.PutUint32(boot[36:], im.fatSectors)
	le.PutUint32(boot[44:], 2) // root directory cluster
	le.PutUint16(boot[48:], fsInfoSector)
	le.PutUint16(boot[50:], backupBoot)
	boot[64] = 0x80
	boot[66] = 0x29 // extended boot signature: serial, label and type follow
	le.PutUint32(boot[67:], im.opts.Serial)
	copy(boot[71:82], im.label[:])
	copy(boot[82:90], "FAT32   ")
	copy(boot[90:], []byte{0xcd, 0x18}) // not bootable: int 18h hands back to the firmware
	boot[510], boot[511] = 0x55, 0xaa

	info := b[fsInfoSector*sectorSize : (fsInfoSector+1)*sectorSize]
	le.PutUint32(info[0:], 0x41615252)
	le.PutUint32(info[484:], 0x61417272)
	le.PutUint32(info[488:], im.clusters-im.used)
	next := im.used + 2 // the first free cluster; all ones means "unknown" on a full volume
	if im.used >= im.clusters {
		next = 0xffffffff
	}
	le.PutUint32(info[492:], next)
	le.PutUint32(info[508:], 0xaa550000)
	copy(b[backupBoot*sectorSize:], b[:2*sectorSize])
	return b
}

// writeFAT streams one FAT: the two reserved entries, each allocation's chain, then free
// entries up to the FAT's size. It is generated in chunks, never held whole.
func (im *Image) writeFAT(cw *seqio.Writer) error {
	const chunk = 16 << 10
	buf := make([]byte, 0, chunk)
	flush := func(force bool) error {
		if len(buf) < chunk && !force {
			return nil
		}
		err := cw.Put(buf)
		buf = buf[:0]
		return err
	}
	put := func(v uint32) error {
		buf = binary.LittleEndian.AppendUint32(buf, v)
		return flush(false)
	}
	start := cw.N
	if err := put(0x0ffffff8); err != nil {
		return err
	}
	if err := put(endOfChain); err != nil {
		return err
	}
	for _, n := range im.order {
		for i := range n.clusters {
			v := n.cluster + i + 1
			if i == n.clusters-1 {
				v = endOfChain
			}
			if err := put(v); err != nil {
				return err
			}
		}
	}
	if err := flush(true); err != nil {
		return err
	}
	return cw.ZerosTo(start + int64(im.fatSectors)*sectorSize)
}

// directory builds the cluster-padded entries of directory d.
func (im *Image) directory(d *node, date, tm uint16) []byte {
	b := make([]byte, 0, int64(d.clusters)*int64(im.spc)*sectorSize)
	entry := func(name [11]byte, attr byte, cluster uint32, size uint32) {
		e := make([]byte, dirEntrySize)
		copy(e, name[:])
		e[11] = attr
		le := binary.LittleEndian
		le.PutUint16(e[14:], tm)
		le.PutUint16(e[16:], date)
		le.PutUint16(e[18:], date)
		le.PutUint16(e[20:], uint16(cluster>>16))
		le.PutUint16(e[22:], tm)
		le.PutUint16(e[24:], date)
		le.PutUint16(e[26:], uint16(cluster))
		le.PutUint32(e[28:], size)
		b = append(b, e...)
	}
	if d == im.root {
		if im.opts.Label != "" {
			entry(im.label, attrVolumeID, 0, 0)
		}
	} else {
		entry([11]byte{'.', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '}, attrDirectory, d.cluster, 0)
		parent := d.parent.cluster
		if d.parent == im.root {
			parent = 0 // ".." of a first-level directory names the root as cluster 0
		}
		entry([11]byte{'.', '.', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '}, attrDirectory, parent, 0)
	}
	for _, c := range d.children {
		if c.dir {
			entry(c.name, attrDirectory, c.cluster, 0)
		} else {
			entry(c.name, attrArchive, c.cluster, uint32(c.size))
		}
	}
	return b[:cap(b)]
}
