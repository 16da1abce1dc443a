package media

import (
	"io"
	"runtime"
	"testing"
)

// zeros yields zero bytes forever.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestEFIStreams writes a raw-efi disk around a 1 GiB initrd into a discarding writer and checks
// that the whole run allocated far less than the initrd: the UKI and the FAT are streamed
// through pipes, never buffered.
func TestEFIStreams(t *testing.T) {
	stub := hostEFIStub(t, "amd64")
	sized := func(name string, n int64) ISOFile {
		return ISOFile{Path: name, Size: n, Open: func() (io.ReadCloser, error) {
			return io.NopCloser(io.LimitReader(zeros{}, n)), nil
		}}
	}
	kernel, initrd := sized("kernel", 8<<20), sized("initrd", 1<<30)
	opts := EFIOptions{Arch: "amd64", Stub: stub, Cmdline: "console=ttyS0"}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cw := &countingDiscard{}
	if err := WriteRawEFI(cw, kernel, initrd, opts); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	want, err := RawEFISize(kernel, initrd, opts)
	if err != nil || cw.n != want {
		t.Fatalf("wrote %d bytes, RawEFISize says %d (%v)", cw.n, want, err)
	}
	const limit = 64 << 20
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > limit {
		t.Errorf("writing a disk around a 1 GiB initrd allocated %d MiB in all, more than %d MiB: something buffers", alloc>>20, limit>>20)
	} else {
		t.Logf("%d MiB written, %d KiB allocated in all", cw.n>>20, alloc>>10)
	}
}

// countingDiscard counts and drops what is written (it is not a file, so nothing is sparse).
type countingDiscard struct{ n int64 }

func (c *countingDiscard) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
