package vmdk

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// streamStats is what readStream found in a streamOptimized file.
type streamStats struct {
	grains, stored int // grains, and those written as stored deflate blocks
	emptyTables    int // distinct all-zero grain tables the directory points at
}

// readStream decodes a streamOptimized file the way an importer does, with the standard
// library's zlib (not the writer's): the footer's grain directory, every grain table, every
// grain behind its marker. It compares each grain with the next 64 KiB of want (zeros for a
// grain the tables leave out) and checks that no directory entry is 0.
func readStream(t *testing.T, path string, want io.Reader) streamStats {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	if len(b) < 4*sectorSize || len(b)%sectorSize != 0 {
		t.Fatalf("%s: length %d", path, len(b))
	}
	foot := b[len(b)-2*sectorSize:]
	if le.Uint32(b[len(b)-3*sectorSize+12:]) != markerFooter || le.Uint32(foot[:4]) != magic {
		t.Fatalf("%s: no footer", path)
	}
	capSectors, gdAt := le.Uint64(foot[12:]), le.Uint64(foot[56:])
	grains := capSectors / grainSectors
	tables := (grains + gtEntries - 1) / gtEntries
	var st streamStats
	emptyAt := map[uint32]bool{}
	raw := make([]byte, grainBytes)
	for ti := uint64(0); ti < tables; ti++ {
		gtAt := le.Uint32(b[gdAt*sectorSize+4*ti:])
		if gtAt == 0 {
			t.Fatalf("%s: grain directory entry %d is 0", path, ti)
		}
		gt := b[uint64(gtAt)*sectorSize:][:gtEntries*4]
		if bytes.Equal(gt, make([]byte, len(gt))) {
			emptyAt[gtAt] = true
		}
		for gi := uint64(0); gi < gtEntries && ti*gtEntries+gi < grains; gi++ {
			index := ti*gtEntries + gi
			if _, err := io.ReadFull(want, raw); err != nil {
				t.Fatalf("reading the expected disk: %v", err)
			}
			at := uint64(le.Uint32(gt[4*gi:]))
			if at == 0 {
				if !bytes.Equal(raw, zeroGrain) {
					t.Fatalf("%s: grain %d has data but no table entry", path, index)
				}
				continue
			}
			m := b[at*sectorSize:]
			if lba := le.Uint64(m); lba != index*grainSectors {
				t.Fatalf("%s: grain %d marker says LBA %d", path, index, lba)
			}
			data := m[12:][:le.Uint32(m[8:])]
			st.grains++
			if data[2]&6 == 0 { // the first deflate block's BTYPE is 00
				st.stored++
			}
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s: grain %d: %v", path, index, err)
			}
			got, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("%s: grain %d: %v", path, index, err)
			}
			if !bytes.Equal(got, raw) {
				t.Fatalf("%s: grain %d decodes to other bytes", path, index)
			}
		}
	}
	st.emptyTables = len(emptyAt)
	return st
}

// TestStreamDecodes reads our streamOptimized files back with an independent decoder:
// random data is stored (and still a valid zlib stream), text and machine code are deflated,
// and every empty region's directory entry points at the one all-zero grain table.
func TestStreamDecodes(t *testing.T) {
	tmp := t.TempDir()
	for _, d := range disks {
		t.Run(d.name, func(t *testing.T) {
			disk := newFixtureDisk(t, d.size, 3, d.regions)
			p := filepath.Join(tmp, d.name+".vmdk")
			writeVMDK(t, disk.reader(), p, d.size, Options{Compressed: true})
			st := readStream(t, p, io.MultiReader(disk.reader(), zeroReader{}))
			t.Logf("%s: %d grains, %d stored, %d empty tables", d.name, st.grains, st.stored, st.emptyTables)
			var random, other int64
			for _, r := range d.regions {
				if r.kind == 'r' {
					random += r.len
				} else {
					other += r.len
				}
			}
			if random >= 2*grainBytes && st.stored == 0 {
				t.Error("random grains were deflated, not stored")
			}
			if random == 0 && st.stored != 0 {
				t.Errorf("%d compressible grains were stored", st.stored)
			}
			wantEmpty := 0
			if d.size > gtEntries*grainBytes {
				wantEmpty = 1
			}
			if st.emptyTables != wantEmpty {
				t.Errorf("%d all-zero grain tables, want %d", st.emptyTables, wantEmpty)
			}
		})
	}
}

// TestStoredZlib: the stored encoding is a valid zlib stream for every length around the
// 65535-byte block limit, and storedZlibLen is its length.
func TestStoredZlib(t *testing.T) {
	for _, n := range []int{0, 1, maxStoredBlock - 1, maxStoredBlock, maxStoredBlock + 1, grainBytes, 3 * maxStoredBlock} {
		in := bytes.Repeat([]byte{0xa5, 0x5a, 7}, n/3+1)[:n]
		var b bytes.Buffer
		writeStoredZlib(&b, in)
		if b.Len() != storedZlibLen(n) {
			t.Errorf("%d bytes: stored stream of %d bytes, storedZlibLen says %d", n, b.Len(), storedZlibLen(n))
		}
		zr, err := zlib.NewReader(&b)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, in) {
			t.Errorf("%d bytes: decodes to %d bytes, %v", n, len(got), err)
		}
	}
}
