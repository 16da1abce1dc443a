package uki

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// hostStub is Debian's x86-64 stub (package systemd-boot-efi).
const hostStub = "/usr/lib/systemd/boot/efi/linuxx64.efi.stub"

// tinyStub builds a minimal PE32+ image with one .text section: enough for the layout code,
// and a seed for the fuzz target.
func tinyStub() []byte {
	b := make([]byte, 0x600)
	copy(b, "MZ")
	binary.LittleEndian.PutUint32(b[0x3c:], 0x80)
	copy(b[0x80:], "PE\x00\x00")
	coff := 0x84
	binary.LittleEndian.PutUint16(b[coff:], 0x8664)
	binary.LittleEndian.PutUint16(b[coff+2:], 1)
	binary.LittleEndian.PutUint16(b[coff+16:], 240)
	opt := coff + 20
	binary.LittleEndian.PutUint16(b[opt:], magicPE32Plus)
	binary.LittleEndian.PutUint32(b[opt+32:], 0x1000) // SectionAlignment
	binary.LittleEndian.PutUint32(b[opt+36:], 0x200)  // FileAlignment
	binary.LittleEndian.PutUint32(b[opt+56:], 0x2000) // SizeOfImage
	binary.LittleEndian.PutUint32(b[opt+60:], 0x400)  // SizeOfHeaders
	binary.LittleEndian.PutUint16(b[opt+68:], 10)     // EFI application
	binary.LittleEndian.PutUint32(b[opt+108:], 16)
	sec := opt + 240
	copy(b[sec:], ".text")
	binary.LittleEndian.PutUint32(b[sec+8:], 0x10)
	binary.LittleEndian.PutUint32(b[sec+12:], 0x1000)
	binary.LittleEndian.PutUint32(b[sec+16:], 0x200)
	binary.LittleEndian.PutUint32(b[sec+20:], 0x400)
	binary.LittleEndian.PutUint32(b[sec+36:], scnCode|scnMemRead|0x20000000)
	b[0x400] = 0xc3
	return b
}

// fakeKernel is a PE-looking kernel whose SizeOfImage is larger than the file, as a bzImage's is.
func fakeKernel(size int, soi uint32) []byte {
	k := bytes.Repeat([]byte{0x5a}, size)
	copy(k, "MZ")
	binary.LittleEndian.PutUint32(k[0x3c:], 0x40)
	copy(k[0x40:], "PE\x00\x00")
	binary.LittleEndian.PutUint32(k[0x40+4+20+56:], soi)
	return k
}

func buildUKI(t testing.TB, stub, kernel, initrd []byte) []byte {
	t.Helper()
	im, err := Build(stub, Parts{
		OSRel:   []byte("ID=linuxkit\n"),
		Cmdline: "console=ttyS0",
		Uname:   "6.1.0",
		Linux:   Bytes("", kernel),
		Initrd:  Bytes("", initrd),
	})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	var buf bytes.Buffer
	if n, err := im.WriteTo(&buf); err != nil || n != im.Size() {
		t.Fatalf("WriteTo: %d bytes (Size %d), %v", n, im.Size(), err)
	}
	return buf.Bytes()
}

// checkLayout parses out with debug/pe and checks the added sections: ukify's order, contents,
// alignment, no overlap in memory or in the file, and SizeOfImage covering them.
func checkLayout(t *testing.T, out []byte, kernel, initrd []byte, kernelSOI uint32) {
	t.Helper()
	f, err := pe.NewFile(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("debug/pe: %v", err)
	}
	oh := f.OptionalHeader.(*pe.OptionalHeader64)
	want := map[string][]byte{OSRelName: []byte("ID=linuxkit\n"), CmdlineName: []byte("console=ttyS0"), UnameName: []byte("6.1.0"), InitrdName: initrd, LinuxName: kernel}
	order := []string{OSRelName, CmdlineName, UnameName, InitrdName, LinuxName}
	n := len(f.Sections)
	added := f.Sections[n-len(order):]
	var prevEnd uint32
	for i, s := range f.Sections {
		if i > 0 && s.VirtualAddress < prevEnd {
			t.Errorf("section %s at %#x overlaps the previous one ending at %#x", s.Name, s.VirtualAddress, prevEnd)
		}
		prevEnd = s.VirtualAddress + s.VirtualSize
	}
	for i, s := range added {
		if s.Name != order[i] {
			t.Fatalf("section %d is %s, want %s", n-len(order)+i, s.Name, order[i])
		}
		if s.VirtualAddress%oh.SectionAlignment != 0 || s.Offset%oh.FileAlignment != 0 {
			t.Errorf("%s: address %#x / offset %#x not aligned", s.Name, s.VirtualAddress, s.Offset)
		}
		data, err := io.ReadAll(io.LimitReader(s.Open(), int64(len(want[s.Name]))))
		if err != nil || !bytes.Equal(data, want[s.Name]) {
			t.Errorf("%s: contents differ (%v)", s.Name, err)
		}
	}
	linux := added[len(added)-1]
	if linux.VirtualSize < kernelSOI || linux.Characteristics&scnCode == 0 {
		t.Errorf(".linux: virtual size %#x (kernel SizeOfImage %#x), flags %#x", linux.VirtualSize, kernelSOI, linux.Characteristics)
	}
	if oh.SizeOfImage < linux.VirtualAddress+linux.VirtualSize || oh.SizeOfImage%oh.SectionAlignment != 0 {
		t.Errorf("SizeOfImage %#x does not cover .linux ending at %#x", oh.SizeOfImage, linux.VirtualAddress+linux.VirtualSize)
	}
}

func TestTinyStub(t *testing.T) {
	kernel, initrd := fakeKernel(70_000, 0x40000), bytes.Repeat([]byte("initrd"), 10_001)
	out := buildUKI(t, tinyStub(), kernel, initrd)
	checkLayout(t, out, kernel, initrd, 0x40000)
	if again := buildUKI(t, tinyStub(), kernel, initrd); !bytes.Equal(out, again) {
		t.Errorf("two builds differ")
	}
}

func TestRejects(t *testing.T) {
	signed := tinyStub()
	binary.LittleEndian.PutUint32(signed[0x84+20+112+8*securityDirSlot:], 0x1000)
	if _, err := New(signed, []Section{Bytes(".x", []byte("x"))}); err == nil || !strings.Contains(err.Error(), "signed") {
		t.Errorf("signed stub: %v", err)
	}
	if _, err := New(tinyStub(), []Section{Bytes(".text", []byte("x"))}); err == nil {
		t.Errorf("a duplicate section was accepted")
	}
	many := make([]Section, 20)
	for i := range many {
		many[i] = Bytes(string(rune('a'+i)), nil)
	}
	if _, err := New(tinyStub(), many); err == nil || !strings.Contains(err.Error(), "room") {
		t.Errorf("20 sections in 0x400 bytes of headers: %v", err)
	}
	im, err := New(tinyStub(), []Section{{Name: ".x", Size: 10, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("short")), nil
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.WriteTo(io.Discard); err == nil {
		t.Errorf("a short section was written without error")
	}
}

// TestDebianStub builds a UKI from the host's systemd stub and checks it with debug/pe and
// binutils' objdump.
func TestDebianStub(t *testing.T) {
	stub, err := os.ReadFile(hostStub)
	if err != nil {
		testrig.Missing(t, "systemd's EFI stub %s (apt-get install systemd-boot-efi)", hostStub)
	}
	testrig.Require(t, "objdump")
	kernel, initrd := fakeKernel(1<<20+3, 0x180_0000), bytes.Repeat([]byte{7}, 512<<10)
	out := buildUKI(t, stub, kernel, initrd)
	checkLayout(t, out, kernel, initrd, 0x180_0000)
	path := t.TempDir() + "/uki.efi"
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := exec.Command("objdump", "-h", path).CombinedOutput()
	if err != nil {
		t.Fatalf("objdump -h: %v\n%s", err, b)
	}
	for _, name := range []string{".text", ".sbat", OSRelName, CmdlineName, UnameName, InitrdName, LinuxName} {
		if !strings.Contains(string(b), " "+name+" ") {
			t.Errorf("objdump -h does not list %s:\n%s", name, b)
		}
	}
}

// FuzzStub feeds hostile stubs to the parser: New must return an error or an image whose
// WriteTo writes exactly Size bytes; it must never panic.
func FuzzStub(f *testing.F) {
	f.Add(tinyStub())
	if stub, err := os.ReadFile(hostStub); err == nil {
		f.Add(stub)
	}
	f.Fuzz(func(t *testing.T, stub []byte) {
		im, err := New(stub, []Section{Bytes(".osrel", []byte("ID=x\n")), Bytes(".linux", []byte("kernel"))})
		if err != nil {
			return
		}
		var buf bytes.Buffer
		n, err := im.WriteTo(&buf)
		if err != nil || n != im.Size() || int64(buf.Len()) != n {
			t.Fatalf("WriteTo: %d of %d bytes, %v", n, im.Size(), err)
		}
	})
}
