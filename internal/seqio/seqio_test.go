package seqio

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

type failAfter struct{ left int }

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.left {
		n := f.left
		f.left = 0
		return n, errors.New("disk full")
	}
	f.left -= len(p)
	return len(p), nil
}

func TestWriterCountsAndPads(t *testing.T) {
	var b bytes.Buffer
	w := New(&b, "t")
	if err := w.Put([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	if err := w.ZerosTo(200 << 10); err != nil {
		t.Fatal(err)
	}
	if w.N != 200<<10 || int64(b.Len()) != w.N {
		t.Fatalf("N = %d, wrote %d; want %d", w.N, b.Len(), 200<<10)
	}
	if !bytes.Equal(b.Bytes()[3:], make([]byte, (200<<10)-3)) {
		t.Fatal("padding is not zeros")
	}
	if err := w.ZerosTo(5); err == nil || !strings.Contains(err.Error(), "t: internal layout error: at offset 204800, past 5") {
		t.Fatalf("ZerosTo backwards: %v", err)
	}
}

func TestWriterErrorSaysOffset(t *testing.T) {
	w := New(&failAfter{left: 10}, "fat")
	if err := w.Put(make([]byte, 8)); err != nil {
		t.Fatal(err)
	}
	err := w.Put(make([]byte, 8))
	if err == nil || err.Error() != "fat: write at offset 8: disk full" {
		t.Fatalf("err = %v", err)
	}
	if w.N != 10 {
		t.Fatalf("N = %d, want the 10 bytes accepted", w.N)
	}
}
