package rootfs

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadFile(t *testing.T) {
	img := imageOf(t,
		layerOf(t, dir("private/etc/"), reg("private/etc/passwd", "old"), sym("etc", "/private/etc"), reg("gone", "g"), reg("big", "")),
		layerOf(t, reg("private/etc/passwd", "root:x:0:0\n"), reg(".wh.gone", "")),
		streamLayer{name: "big", size: MaxReadFile + 1},
	)
	b, err := ReadFile(img, "/etc/passwd")
	if err != nil || string(b) != "root:x:0:0\n" {
		t.Errorf("ReadFile = %q, %v", b, err)
	}
	for name, want := range map[string]string{
		"gone": errNotFound.Error(), "etc": "not a regular file", "../x": "climbs out", "big": "more than",
	} {
		if _, err := ReadFile(img, name); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadFile(%s) error %v, want %q", name, err, want)
		}
	}
	rc, size, err := OpenFile(context.Background(), img, "big")
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, rc)
	_ = rc.Close()
	if err != nil || n != size || size != MaxReadFile+1 {
		t.Errorf("OpenFile streamed %d of %d bytes: %v", n, size, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := OpenFile(ctx, img, "etc/passwd"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled OpenFile: %v", err)
	}
}

func TestTreeOpenSource(t *testing.T) {
	calls := 0
	open := func() (io.ReadCloser, int64, error) {
		calls++
		return io.NopCloser(strings.NewReader("src")), 3, nil
	}
	tree, err := Index(context.Background(), &Plan{Files: []File{{Path: "s", Open: open}, {Path: "d", Contents: []byte("data")}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, tree, "s"); got != "src" {
		t.Errorf("s = %q", got)
	}
	if got := readAll(t, tree, "d"); got != "data" {
		t.Errorf("d = %q", got)
	}
	if calls != 2 {
		t.Errorf("Open called %d times", calls)
	}
}

func TestSourceChangedSize(t *testing.T) {
	size := int64(3)
	open := func() (io.ReadCloser, int64, error) {
		defer func() { size++ }()
		return io.NopCloser(strings.NewReader(strings.Repeat("x", int(size)))), size, nil
	}
	if msg := buildErr(t, &Plan{Files: []File{{Path: "s", Open: open}}}); !strings.Contains(msg, "changed size") {
		t.Errorf("error %q", msg)
	}
	grow := func() (io.ReadCloser, int64, error) { return io.NopCloser(strings.NewReader("xxxx")), 3, nil }
	if msg := buildErr(t, &Plan{Files: []File{{Path: "s", Open: grow}}}); !strings.Contains(msg, "grew") {
		t.Errorf("error %q", msg)
	}
}

func TestCancelledWrite(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Write(ctx, io.Discard, fullPlan(t)); !errors.Is(err, context.Canceled) {
		t.Errorf("Write after cancel: %v", err)
	}
}
