package fat

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

const (
	sectorSize      = 512
	reservedSectors = 32
	numFATs         = 2
	dirEntrySize    = 32
	fsInfoSector    = 1
	backupBoot      = 6
	// minClusters is the fewest clusters a FAT32 volume may have: firmware decides the FAT type
	// by the cluster count alone (fewer than 65525 is FAT16), so a small volume is padded up.
	minClusters = 65525
	// maxClusters is the most clusters a FAT32 volume may address (28-bit entries, minus the
	// reserved values).
	maxClusters = 0x0ffffff5 - 2
	// sizeAlign is the granularity of default volume sizes: 1 MiB, which partitions like.
	sizeAlign = 1 << 20
)

// File is one file to store: its path inside the volume ("EFI/BOOT/BOOTX64.EFI", components
// separated by "/", each 8.3), its exact size, and a way to open its bytes when the writer
// reaches them. Open is called once; the writer closes what it returns.
type File struct {
	Path string
	Size int64
	Open func() (io.ReadCloser, error)
}

// Options shape the volume. Everything that would otherwise come from the clock or a random
// source is an input here, so the same inputs give the same bytes.
type Options struct {
	// Label is the volume label (at most 11 characters, 8.3 characters and spaces); "" stores
	// "NO NAME" and writes no label entry.
	Label string
	// Serial is the volume serial number.
	Serial uint32
	// ModTime stamps every directory entry (FAT keeps local time in 2-second steps from 1980 to
	// 2107; it is taken in UTC).
	ModTime time.Time
	// Size is the volume size in bytes, a multiple of 512. 0 picks the smallest FAT32 volume that
	// holds the files, rounded up to a whole MiB.
	Size int64
	// HiddenSectors is the volume's first sector on its disk (the partition's start LBA), which
	// the boot sector records; 0 for an unpartitioned image.
	HiddenSectors uint32
}

// node is a file or directory of the volume tree.
type node struct {
	name     [11]byte
	dir      bool
	children []*node // sorted by name
	file     File
	size     int64  // bytes: the file's size, or the directory's entries
	cluster  uint32 // first cluster; 0 for an empty file
	clusters uint32 // clusters allocated
	parent   *node
}

// Image is a laid-out FAT32 volume, ready to be written with WriteTo.
type Image struct {
	opts        Options
	label       [11]byte
	spc         uint32 // sectors per cluster
	fatSectors  uint32
	clusters    uint32 // data clusters, numbered from 2
	totalSector uint32
	root        *node
	order       []*node // everything with clusters, in cluster order
	used        uint32  // clusters allocated
}

// New validates the files and lays out the volume.
func New(files []File, opts Options) (*Image, error) {
	label, err := volumeLabel(opts.Label)
	if err != nil {
		return nil, err
	}
	if _, _, err := dosDateTime(opts.ModTime); err != nil {
		return nil, err
	}
	root := &node{dir: true}
	for _, f := range files {
		if err := root.add(f); err != nil {
			return nil, err
		}
	}
	im := &Image{opts: opts, label: label, root: root}
	if err := im.size(); err != nil {
		return nil, err
	}
	im.allocate()
	return im, nil
}

// add places f in the tree under n, creating its parent directories.
func (n *node) add(f File) error {
	if f.Size < 0 || f.Size > 0xffffffff {
		return fmt.Errorf("fat: %s: size %d is outside FAT's 0..4 GiB-1", f.Path, f.Size)
	}
	if f.Open == nil && f.Size > 0 {
		return fmt.Errorf("fat: %s has no Open function", f.Path)
	}
	parts := strings.Split(f.Path, "/")
	cur := n
	for i, p := range parts {
		name, err := shortName(p)
		if err != nil {
			return fmt.Errorf("fat: path %q: %w", f.Path, err)
		}
		last := i == len(parts)-1
		child := cur.child(name)
		switch {
		case child == nil:
			child = &node{name: name, dir: !last, parent: cur}
			if last {
				child.file, child.size = f, f.Size
			}
			cur.children = append(cur.children, child)
			sort.Slice(cur.children, func(a, b int) bool {
				return string(cur.children[a].name[:]) < string(cur.children[b].name[:])
			})
		case last || !child.dir:
			return fmt.Errorf("fat: path %q collides with another file (names are compared in upper case)", f.Path)
		}
		cur = child
	}
	return nil
}

// child returns n's child called name, or nil.
func (n *node) child(name [11]byte) *node {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// entries is the number of directory entries a directory holds.
func (n *node) entries(root bool, label bool) int {
	e := len(n.children)
	if !root {
		e += 2 // "." and ".."
	} else if label {
		e++
	}
	return e
}

// dirs returns the directories in breadth-first, sorted order.
func (im *Image) dirs() []*node {
	out := []*node{im.root}
	for i := 0; i < len(out); i++ {
		for _, c := range out[i].children {
			if c.dir {
				out = append(out, c)
			}
		}
	}
	return out
}

// files returns the files in depth-first, sorted path order.
func (im *Image) files() []*node {
	var out []*node
	var walk func(*node)
	walk = func(n *node) {
		for _, c := range n.children {
			if c.dir {
				walk(c)
			} else {
				out = append(out, c)
			}
		}
	}
	walk(im.root)
	return out
}

// clusterSectors is Microsoft's recommended cluster size for a FAT32 volume of total bytes.
func clusterSectors(total int64) uint32 {
	switch {
	case total <= 260<<20:
		return 1
	case total <= 8<<30:
		return 8
	case total <= 16<<30:
		return 16
	case total <= 32<<30:
		return 32
	}
	return 64
}

// need returns the clusters the tree needs with clusters of spc sectors.
func (im *Image) need(spc uint32) uint64 {
	cb := int64(spc) * sectorSize
	var n uint64
	for _, d := range im.dirs() {
		d.size = int64(d.entries(d == im.root, im.opts.Label != "")) * dirEntrySize
		n += uint64(max((d.size+cb-1)/cb, 1))
	}
	for _, f := range im.files() {
		n += uint64((f.size + cb - 1) / cb)
	}
	return n
}

// fatSectorsFor is the size of one FAT for clusters data clusters.
func fatSectorsFor(clusters uint64) uint64 {
	return ((clusters+2)*4 + sectorSize - 1) / sectorSize
}

// size picks the cluster size, the cluster count and the FAT size.
func (im *Image) size() error {
	total := im.opts.Size
	if total < 0 || total%sectorSize != 0 {
		return fmt.Errorf("fat: volume size %d is not a positive multiple of %d", total, sectorSize)
	}
	if total == 0 {
		spc := uint32(1)
		for {
			c := max(im.need(spc), minClusters)
			// the slack covers the FAT sized from an upper bound of the clusters, below
			sectors := reservedSectors + numFATs*fatSectorsFor(c) + c*uint64(spc) + 64
			bytes := (int64(sectors)*sectorSize + sizeAlign - 1) / sizeAlign * sizeAlign
			if next := clusterSectors(bytes); next > spc {
				spc = next
				continue
			}
			total = bytes
			break
		}
	}
	spc := clusterSectors(total)
	sectors := uint64(total / sectorSize)
	if sectors > 0xffffffff {
		return fmt.Errorf("fat: volume size %d exceeds 2^32 sectors", total)
	}
	c0 := (sectors - min(sectors, reservedSectors)) / uint64(spc)
	fs := fatSectorsFor(c0)
	var c uint64
	if over := reservedSectors + numFATs*fs; sectors > over {
		c = (sectors - over) / uint64(spc)
	}
	need := im.need(spc)
	switch {
	case c < minClusters:
		return fmt.Errorf("fat: a %d-byte volume has %d clusters; FAT32 needs at least %d", total, c, minClusters)
	case c > maxClusters:
		return fmt.Errorf("fat: a %d-byte volume needs more than FAT32's %d clusters", total, maxClusters)
	case c < need:
		return fmt.Errorf("fat: the files need %d clusters of %d bytes, the %d-byte volume has %d", need, spc*sectorSize, total, c)
	}
	im.spc, im.fatSectors, im.clusters, im.totalSector = spc, uint32(fs), uint32(c), uint32(sectors)
	return nil
}

// allocate gives each directory, then each file, a contiguous run of clusters from cluster 2.
func (im *Image) allocate() {
	cb := int64(im.spc) * sectorSize
	next := uint32(2)
	take := func(n *node, count uint32) {
		n.clusters = count
		if count > 0 {
			n.cluster = next
			next += count
			im.order = append(im.order, n)
		}
	}
	for _, d := range im.dirs() {
		take(d, uint32(max((d.size+cb-1)/cb, 1)))
	}
	for _, f := range im.files() {
		take(f, uint32((f.size+cb-1)/cb))
	}
	im.used = next - 2
}

// Size returns the volume size in bytes: what WriteTo writes.
func (im *Image) Size() int64 { return int64(im.totalSector) * sectorSize }

// dosDateTime converts t (in UTC) to FAT's date and time fields.
func dosDateTime(t time.Time) (date, tm uint16, err error) {
	t = t.UTC()
	if t.Year() < 1980 || t.Year() > 2107 {
		return 0, 0, fmt.Errorf("fat: time %s is outside FAT's 1980..2107", t.Format(time.RFC3339))
	}
	date = uint16(t.Year()-1980)<<9 | uint16(t.Month())<<5 | uint16(t.Day())
	tm = uint16(t.Hour())<<11 | uint16(t.Minute())<<5 | uint16(t.Second()/2)
	return date, tm, nil
}
