package rootfs

import (
	"archive/tar"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestFlattenLaterLayerWins(t *testing.T) {
	base := layerOf(t, dir("etc/"), reg("etc/a", "old"), reg("etc/b", "b"))
	d := dir("etc/")
	d.hdr.Mode, d.hdr.Uid = 0700, 7
	top := layerOf(t, d, reg("./etc/a", "new"), reg("etc/a", "newer"))
	o := build(t, &Plan{Init: []v1.Image{imageOf(t, base, top)}})
	if got := o.body(t, "etc/a"); got != "newer" {
		t.Errorf("etc/a = %q, want the last entry", got)
	}
	if got := o.body(t, "etc/b"); got != "b" {
		t.Errorf("etc/b = %q, want it kept from the lower layer", got)
	}
	if h := o.get(t, "etc"); h.Mode != 0700 || h.Uid != 7 {
		t.Errorf("etc mode %o uid %d, want the upper directory's metadata", h.Mode, h.Uid)
	}
	if got := o.get(t, "etc/a").ModTime; !got.Equal(layerTime) {
		t.Errorf("image entry mtime %v, want the layer's %v", got, layerTime)
	}
}

func TestFlattenWhiteouts(t *testing.T) {
	base := layerOf(t,
		reg("a/keep", "k"), reg("a/gone", "g"),
		reg("d/x", "x"), reg("d/sub/y", "y"),
		reg("o/lower", "l"), reg("o/sub/lower", "l"),
	)
	top := layerOf(t,
		reg("a/.wh.gone", ""),
		reg(".wh.d", ""),
		reg("o/before", "b"), reg("o/sub/new", "n"),
		reg("o/.wh..wh..opq", ""),
		reg("o/after", "a"),
		reg("a/.wh..wh.plnk", ""),
		reg("nothere/.wh.x", ""),
	)
	o := build(t, &Plan{Init: []v1.Image{imageOf(t, base, top)}})
	for name, want := range map[string]bool{
		"a/keep": true, "a/gone": false, "d": false, "d/x": false,
		"o/lower": false, "o/sub/lower": false, "o/before": true, "o/after": true, "o/sub/new": true,
		"a/.wh..wh.plnk": false, "nothere": false, "a/.wh.gone": false,
	} {
		if o.has(name) != want {
			t.Errorf("%s present = %v, want %v (entries %v)", name, !want, want, o.order)
		}
	}
}

func TestWhiteoutsStayInTheirImage(t *testing.T) {
	// A whiteout hides lower layers of its own image, not an earlier init image.
	first := img1(t, reg("x", "from first"), reg("y", "y"))
	second := imageOf(t, layerOf(t, reg("x", "second low")), layerOf(t, reg(".wh.x", ""), reg(".wh.y", "")))
	o := build(t, &Plan{Init: []v1.Image{first, second}})
	if got := o.body(t, "x"); got != "from first" {
		t.Errorf("x = %q: the second image's whiteout should only hide its own lower layer", got)
	}
	if !o.has("y") {
		t.Error("y removed by another image's whiteout")
	}
}

func TestHardlinks(t *testing.T) {
	l1 := layerOf(t, reg("bin/busybox", "BB"), hard("bin/sh", "bin/busybox"), hard("bin/ls", "./bin/busybox"))
	l2 := layerOf(t, reg("bin/busybox", "replaced"))
	o := build(t, &Plan{Init: []v1.Image{imageOf(t, l1, l2)}})
	if got := o.body(t, "bin/busybox"); got != "replaced" {
		t.Errorf("busybox = %q", got)
	}
	// ls and sh keep the first layer's contents: one is written, the other
	// links to it.
	ls, sh := o.get(t, "bin/ls"), o.get(t, "bin/sh")
	if ls.Typeflag != tar.TypeReg || o.body(t, "bin/ls") != "BB" {
		t.Errorf("bin/ls = %c %q, want the original contents", ls.Typeflag, o.body(t, "bin/ls"))
	}
	if sh.Typeflag != tar.TypeLink || sh.Linkname != "bin/ls" {
		t.Errorf("bin/sh = %c -> %q, want a hardlink to bin/ls", sh.Typeflag, sh.Linkname)
	}
}

func TestHardlinkToSymlinkAndDevice(t *testing.T) {
	o := build(t, &Plan{Init: []v1.Image{img1(t,
		sym("lnk", "target"), hard("lnk2", "lnk"),
		dev("null", tar.TypeChar, 1, 3), hard("null2", "null"),
	)}})
	if h := o.get(t, "lnk2"); h.Typeflag != tar.TypeSymlink || h.Linkname != "target" {
		t.Errorf("hardlink to a symlink: %c %q", h.Typeflag, h.Linkname)
	}
	if h := o.get(t, "null2"); h.Typeflag != tar.TypeChar || h.Devmajor != 1 || h.Devminor != 3 {
		t.Errorf("hardlink to a device: %c %d,%d", h.Typeflag, h.Devmajor, h.Devminor)
	}
}

func TestSymlinkedParentResolvesInsideImage(t *testing.T) {
	// Merged /usr: lib -> usr/lib in one layer, lib/x in the next lands in
	// usr/lib, as docker (chroot) and containerd (RootPath) apply it.
	l1 := layerOf(t, dir("usr/lib/"), sym("lib", "usr/lib"), sym("abs", "/usr/lib"))
	l2 := layerOf(t, reg("lib/x", "x"), reg("abs/y", "y"), dir("lib/d/"))
	o := build(t, &Plan{Init: []v1.Image{imageOf(t, l1, l2)}})
	if o.body(t, "usr/lib/x") != "x" || o.body(t, "usr/lib/y") != "y" || !o.has("usr/lib/d") {
		t.Errorf("entries below a symlinked directory not resolved: %v", o.order)
	}
	if h := o.get(t, "lib"); h.Typeflag != tar.TypeSymlink {
		t.Errorf("lib replaced: %c", h.Typeflag)
	}
}
