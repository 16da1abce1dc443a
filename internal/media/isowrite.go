package media

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// isoMeta is what the volume descriptor says about the image.
type isoMeta struct {
	volumeID string
	modTime  time.Time
}

// applicationID names the writer in the primary volume descriptor (a-characters).
const applicationID = "PACKER-PLUGIN-LINUXKIT"

// writeISO streams the laid-out image to w: systemArea (at most 16 sectors) first, then the
// volume descriptors, path tables, directories and file data, each at the sector the layout
// gave it. bootRecord, when not nil, is the 2048-byte El Torito boot record volume descriptor.
// tail, when not nil, is written so that it ends the image (the backup GPT of iso-efi, which
// lands in the zero padding after the last file).
func writeISO(w io.Writer, l *isoLayout, meta isoMeta, systemArea, bootRecord, tail []byte) error {
	ow := &offsetWriter{w: w}
	if len(systemArea) > systemSectors*sectorSize {
		return fmt.Errorf("media: system area of %d bytes exceeds 16 sectors", len(systemArea))
	}
	steps := []func() error{
		func() error { return ow.write(systemArea) },
		func() error { return ow.at(pvdLBA, l.pvd(meta)) },
		func() error {
			if bootRecord == nil {
				return nil
			}
			return ow.at(l.bootRecordLBA, bootRecord)
		},
		func() error { return ow.at(l.terminatorLBA, terminator()) },
		func() error { return ow.at(l.lPathLBA, l.pathTable(binary.LittleEndian)) },
		func() error { return ow.at(l.mPathLBA, l.pathTable(binary.BigEndian)) },
	}
	for _, d := range l.dirs {
		steps = append(steps, func() error { return ow.at(d.lba, l.directory(d, meta.modTime)) })
	}
	steps = append(steps, func() error { return ow.at(l.ceLBA, erEntry()) })
	for _, f := range l.tree.files {
		steps = append(steps, func() error { return ow.file(f) })
	}
	end := int64(l.total) * sectorSize
	if int64(len(tail)) > end-int64(l.dataEnd)*sectorSize {
		return fmt.Errorf("media: internal layout error: a tail of %d bytes does not fit the padding", len(tail))
	}
	steps = append(steps,
		func() error { return ow.padTo(end - int64(len(tail))) },
		func() error { return ow.write(tail) },
	)
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// pvd builds the primary volume descriptor (ECMA-119 8.4).
func (l *isoLayout) pvd(meta isoMeta) []byte {
	b := make([]byte, sectorSize)
	b[0] = 1
	copy(b[1:6], "CD001")
	b[6] = 1
	putPadded(b[8:40], "LINUX")
	putPadded(b[40:72], meta.volumeID)
	putBoth32(b[80:], l.total)
	putBoth16(b[120:], 1) // volume set size
	putBoth16(b[124:], 1) // volume sequence number
	putBoth16(b[128:], sectorSize)
	putBoth32(b[132:], l.ptSize)
	binary.LittleEndian.PutUint32(b[140:], l.lPathLBA)
	binary.BigEndian.PutUint32(b[148:], l.mPathLBA)
	copy(b[156:190], l.record(l.tree.root, "\x00", nil, meta.modTime))
	putPadded(b[190:318], "")            // volume set
	putPadded(b[318:446], "")            // publisher
	putPadded(b[446:574], "")            // data preparer
	putPadded(b[574:702], applicationID) // application
	putPadded(b[702:813], "")            // copyright, abstract, bibliographic files
	created := descriptorDate(meta.modTime)
	copy(b[813:830], created[:])
	copy(b[830:847], created[:])
	unset := unsetDate()
	copy(b[847:864], unset[:]) // expiration
	copy(b[864:881], unset[:]) // effective
	b[881] = 1                 // file structure version
	return b
}

// terminator builds the volume descriptor set terminator (ECMA-119 8.3).
func terminator() []byte {
	b := make([]byte, sectorSize)
	b[0] = 255
	copy(b[1:6], "CD001")
	b[6] = 1
	return b
}

// pathTable builds the L (little-endian) or M (big-endian) path table (ECMA-119 9.4).
func (l *isoLayout) pathTable(order binary.ByteOrder) []byte {
	b := make([]byte, 0, l.ptSize)
	for _, d := range l.dirs {
		rec := make([]byte, 8+len(d.id)+len(d.id)%2)
		rec[0] = byte(len(d.id))
		order.PutUint32(rec[2:], d.lba)
		parent := 1
		if d.parent != nil {
			parent = d.parent.number
		}
		order.PutUint16(rec[6:], uint16(parent))
		copy(rec[8:], d.id)
		b = append(b, rec...)
	}
	return b
}

// directory builds the extent of directory d: ".", "..", then the children in sorted order.
func (l *isoLayout) directory(d *isoNode, mtime time.Time) []byte {
	b := make([]byte, 0, d.extent)
	put := func(rec []byte) {
		if len(b)%sectorSize+len(rec) > sectorSize {
			b = append(b, make([]byte, sectorSize-len(b)%sectorSize)...)
		}
		b = append(b, rec...)
	}
	put(l.record(d, "\x00", systemUse(d, true, false, mtime, l.ceLBA), mtime))
	parent := d
	if d.parent != nil {
		parent = d.parent
	}
	put(l.record(parent, "\x01", systemUse(d, false, true, mtime, l.ceLBA), mtime))
	for _, c := range d.children {
		put(l.record(c, c.id, systemUse(c, false, false, mtime, l.ceLBA), mtime))
	}
	return append(b, make([]byte, int(d.extent)-len(b))...)
}

// record builds one directory record (ECMA-119 9.1) describing n under identifier id.
func (l *isoLayout) record(n *isoNode, id string, su []byte, mtime time.Time) []byte {
	rec := make([]byte, recordLen(len(id), len(su)))
	rec[0] = byte(len(rec))
	putBoth32(rec[2:], n.lba)
	size := uint32(n.size)
	if n.dir {
		size = n.extent
	}
	putBoth32(rec[10:], size)
	date := recordDate(mtime)
	copy(rec[18:25], date[:])
	if n.dir {
		rec[25] = 0x02
	}
	putBoth16(rec[28:], 1) // volume sequence number
	rec[32] = byte(len(id))
	off := copy(rec[33:], id) + 33
	if len(id)%2 == 0 {
		off++
	}
	copy(rec[off:], su)
	return rec
}

// offsetWriter writes sequentially and knows where it is, so every structure can be checked to
// land exactly on the sector the layout promised.
type offsetWriter struct {
	w   io.Writer
	off int64
	buf []byte // reusable zero/copy buffer
}

func (o *offsetWriter) write(b []byte) error {
	n, err := o.w.Write(b)
	o.off += int64(n)
	if err != nil {
		return fmt.Errorf("media: write at offset %d: %w", o.off, err)
	}
	return nil
}

// at pads with zeros up to sector lba, then writes b.
func (o *offsetWriter) at(lba uint32, b []byte) error {
	if err := o.padTo(int64(lba) * sectorSize); err != nil {
		return err
	}
	return o.write(b)
}

// padTo writes zeros up to byte offset end.
func (o *offsetWriter) padTo(end int64) error {
	if o.off > end {
		return fmt.Errorf("media: internal layout error: at offset %d, past %d", o.off, end)
	}
	if o.buf == nil {
		o.buf = make([]byte, 1<<20)
	}
	for o.off < end {
		n := min(end-o.off, int64(len(o.buf)))
		clear(o.buf[:n])
		if err := o.write(o.buf[:n]); err != nil {
			return err
		}
	}
	return nil
}

// file writes a file node's data at its sector: generated bytes directly, a source streamed
// with io.CopyN (which lets an *os.File destination use copy_file_range), checked to yield
// exactly its declared size.
func (o *offsetWriter) file(f *isoNode) error {
	if err := o.padTo(int64(f.lba) * sectorSize); err != nil {
		return err
	}
	if f.data != nil || f.size == 0 {
		return o.write(f.data)
	}
	rc, err := openPart(f.src)
	if err != nil {
		return err
	}
	n, err := io.CopyN(o.w, rc, f.size)
	o.off += n
	if err == nil {
		err = checkDrained(rc)
	} else if err == io.EOF {
		err = fmt.Errorf("source ended after %d of %d bytes", n, f.size)
	}
	if cerr := rc.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("media: copy %s into the image as /%s: %w", f.src.Path, f.name, err)
	}
	return nil
}
