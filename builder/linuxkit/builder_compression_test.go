package linuxkit

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"path/filepath"
	"testing"
)

// TestRunInitrdCompression: initrd_compression = "speed" writes another initrd than the
// default, the same on every build, holding the same archive.
func TestRunInitrdCompression(t *testing.T) {
	r := newRunRig(t)
	initrd := func(out, mode string) []byte {
		t.Helper()
		var log uiLog
		extra := map[string]interface{}{"reuse_outputs": false}
		if mode != "" {
			extra["initrd_compression"] = mode
		}
		if _, err := r.build(context.Background(), t, log.ui(), r.raw(out, []string{FormatKernelInitrd}, extra)); err != nil {
			t.Fatalf("build %s: %v\n%s", out, err, log.String())
		}
		return readBytes(t, filepath.Join(r.dir, out, "lk-initrd.img"))
	}
	gunzip := func(b []byte) []byte {
		t.Helper()
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	size, speed, again := initrd("size", ""), initrd("speed", InitrdSpeed), initrd("speed-again", InitrdSpeed)
	if !bytes.Equal(speed, again) {
		t.Fatal("two builds with initrd_compression = speed wrote different initrds")
	}
	if bytes.Equal(size, speed) {
		t.Fatal("initrd_compression = speed wrote the default's bytes: the option is not used")
	}
	if !bytes.Equal(gunzip(size), gunzip(speed)) {
		t.Fatal("the two initrds hold different archives")
	}
}
