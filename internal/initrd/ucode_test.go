package initrd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteUCode: GNU cpio lists and extracts the microcode archive, and it can go in front
// of a gzipped initrd (uncompressed, 4-byte aligned, starts with the newc magic).
func TestWriteUCode(t *testing.T) {
	requireTools(t, "cpio")
	t.Setenv("SOURCE_DATE_EPOCH", "")
	blob := bytes.Repeat([]byte("GenuineIntel ucode "), 101) // 1919 bytes: not 4-aligned
	var buf bytes.Buffer
	if err := WriteUCode(&buf, bytes.NewReader(blob), int64(len(blob))); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	if !bytes.HasPrefix(out, []byte("070701")) || len(out)%4 != 0 {
		t.Fatalf("ucode archive: prefix %q, length %d", out[:6], len(out))
	}
	tmp := t.TempDir()
	if err := os.WriteFile(filepath.Join(tmp, "ucode.cpio"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	got := parseListing(t, run(t, tmp, "cpio -itv --numeric-uid-gid --quiet < ucode.cpio"))
	if l := got[UCodePath]; l.mode != "-rw-r--r--" || l.size != "1919" {
		t.Errorf("%s listed as %+v", UCodePath, l)
	}
	if len(got) != 4 || got["kernel/x86/microcode"].mode != "drwxr-xr-x" {
		t.Errorf("listing %v", got)
	}
	run(t, tmp, "mkdir x && cd x && cpio -idm --quiet < ../ucode.cpio")
	b, err := os.ReadFile(filepath.Join(tmp, "x", UCodePath))
	if err != nil || !bytes.Equal(b, blob) {
		t.Fatalf("extracted microcode differs (%v)", err)
	}
	fi, err := os.Stat(filepath.Join(tmp, "x", UCodePath))
	if err != nil || !fi.ModTime().Equal(fixedTime) {
		t.Errorf("mtime %v (%v), want %v", fi.ModTime(), err, fixedTime)
	}

	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	var again bytes.Buffer
	if err := WriteUCode(&again, bytes.NewReader(blob), int64(len(blob))); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(again.Bytes(), []byte("6553F100")) { // 1700000000 in hex
		t.Error("SOURCE_DATE_EPOCH not used for the mtime")
	}
}

func TestWriteUCodeSizeMismatch(t *testing.T) {
	for _, tc := range []struct {
		data string
		size int64
		want string
	}{{"abc", 4, "got 3 bytes"}, {"abcde", 4, "longer"}} {
		err := WriteUCode(&bytes.Buffer{}, strings.NewReader(tc.data), tc.size)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("WriteUCode(%q, %d) = %v, want %q", tc.data, tc.size, err, tc.want)
		}
	}
}

// TestCPIOWriterMisuse: the writer refuses what would corrupt the archive.
func TestCPIOWriterMisuse(t *testing.T) {
	cw := NewCPIOWriter(&bytes.Buffer{})
	if err := cw.WriteHeader(&Header{Name: "f", Mode: TypeReg | 0o644, Size: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := cw.Write([]byte("abc")); err == nil {
		t.Error("overlong write accepted")
	}
	if err := cw.WriteHeader(&Header{Name: "g", Mode: TypeReg}); err == nil {
		t.Error("header accepted before the previous entry's data")
	}
	if err := cw.Close(); err == nil {
		t.Error("close accepted with data missing")
	}
	for _, h := range []*Header{{Name: "", Mode: TypeReg}, {Name: "x", Mode: 0o644}, {Name: "TRAILER!!!", Mode: TypeReg},
		{Name: "d", Mode: TypeDir, Size: 1}, {Name: "l", Mode: TypeSymlink}, {Name: "big", Mode: TypeReg, Size: 1 << 32}} {
		if err := NewCPIOWriter(&bytes.Buffer{}).WriteHeader(h); err == nil {
			t.Errorf("header %+v accepted", h)
		}
	}
}
