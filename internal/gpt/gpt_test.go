package gpt

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

func TestGUIDFormat(t *testing.T) {
	if got := ESPType.String(); got != "C12A7328-F81F-11D2-BA4B-00A0C93EC93B" {
		t.Errorf("ESPType = %s", got)
	}
	a, b := FromDigest("disk", []byte("x")), FromDigest("esp", []byte("x"))
	if a == b || a != FromDigest("disk", []byte("x")) {
		t.Errorf("FromDigest is not a function of purpose and digest: %s %s", a, b)
	}
	if s := a.String(); s[14] != '4' || !strings.ContainsRune("89AB", rune(s[19])) {
		t.Errorf("%s is not shaped as a version 4 GUID", s)
	}
}

func TestRejects(t *testing.T) {
	p := func(first, last uint64) Partition { return Partition{Type: ESPType, FirstLBA: first, LastLBA: last} }
	cases := map[string][]Partition{
		"over primary":  {p(33, 100)},
		"over backup":   {p(2048, 4096-33)},
		"reversed":      {p(3000, 2048)},
		"overlap":       {p(2048, 3000), p(3000, 3500)},
		"name too long": {{Type: ESPType, FirstLBA: 2048, LastLBA: 2049, Name: strings.Repeat("x", 37)}},
	}
	for name, parts := range cases {
		if _, err := New(4096, GUID{1}, parts); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestSgdisk writes a 64 MiB disk with one ESP and has gdisk's sgdisk verify it and read back
// the GUIDs, the type and the name.
func TestSgdisk(t *testing.T) {
	testrig.Require(t, "sgdisk")
	const sectors = 64 << 20 / SectorSize
	disk, esp := FromDigest("disk", []byte("test")), FromDigest("esp", []byte("test"))
	tab, err := New(sectors, disk, []Partition{{Type: ESPType, GUID: esp, Name: "ESP", FirstLBA: 2048, LastLBA: sectors - 2048 - 1}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "disk.img")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	primary, err := tab.Primary(tab.ProtectiveMBR(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(primary, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(tab.Backup(), tab.BackupOffset()); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Size() != sectors*SectorSize {
		t.Fatalf("disk is %d bytes", fi.Size())
	}
	out, err := exec.Command("sgdisk", "-v", path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No problems found") {
		t.Fatalf("sgdisk -v: %v\n%s", err, out)
	}
	out, err = exec.Command("sgdisk", "-p", "-i", "1", path).CombinedOutput()
	if err != nil {
		t.Fatalf("sgdisk -i 1: %v\n%s", err, out)
	}
	for _, want := range []string{"Disk identifier (GUID): " + disk.String(), "Partition unique GUID: " + esp.String(),
		"Partition GUID code: " + ESPType.String() + " (EFI system partition)", "First sector: 2048 ", "Partition name: 'ESP'"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("sgdisk output lacks %q:\n%s", want, out)
		}
	}
}

// FuzzNew feeds arbitrary disk sizes and partition bounds to New: it refuses them or builds
// tables whose primary and backup parts have their fixed sizes and valid header CRCs.
func FuzzNew(f *testing.F) {
	f.Add(uint64(131072), uint64(2048), uint64(129023), uint64(0), uint64(0))
	f.Add(uint64(67), uint64(34), uint64(33), uint64(34), uint64(34))
	f.Fuzz(func(t *testing.T, sectors, first, last, first2, last2 uint64) {
		parts := []Partition{{Type: ESPType, FirstLBA: first, LastLBA: last}}
		if first2 != 0 {
			parts = append(parts, Partition{Type: ESPType, FirstLBA: first2, LastLBA: last2})
		}
		tab, err := New(sectors, GUID{1}, parts)
		if err != nil {
			return
		}
		p, err := tab.Primary(tab.ProtectiveMBR(nil))
		if err != nil || len(p) != PrimarySectors*SectorSize || len(tab.Backup()) != BackupSectors*SectorSize {
			t.Fatalf("primary %d bytes (%v), backup %d", len(p), err, len(tab.Backup()))
		}
		for _, h := range [][]byte{p[SectorSize : 2*SectorSize], tab.Backup()[entrySectors*SectorSize:]} {
			hdr := append([]byte(nil), h[:headerSize]...)
			want := binary.LittleEndian.Uint32(hdr[16:])
			clear(hdr[16:20])
			if crc32.ChecksumIEEE(hdr) != want {
				t.Fatalf("header CRC mismatch")
			}
		}
	})
}
