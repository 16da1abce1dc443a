package rootfs

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Layers that must be refused, with what the error must name.
func TestHostileLayersRefused(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries []ent
		want    []string
	}{
		{"dotdot", []ent{reg("../etc/passwd", "x")}, []string{`"../etc/passwd"`, "climbs out"}},
		{"dotdot inside", []ent{reg("a/../../x", "x")}, []string{"climbs out"}},
		{"absolute dotdot", []ent{reg("/../x", "x")}, []string{"climbs out"}},
		{"hardlink out", []ent{hard("x", "../../etc/shadow")}, []string{"hardlink target", "climbs out"}},
		{"hardlink missing", []ent{hard("x", "etc/passwd")}, []string{"does not exist"}},
		{"hardlink to later", []ent{hard("x", "y"), reg("y", "y")}, []string{"does not exist"}},
		{"hardlink to dir", []ent{dir("d/"), hard("x", "d")}, []string{"is a directory"}},
		{"hardlink to root", []ent{hard("x", "/")}, []string{"root"}},
		{"symlink loop", []ent{sym("a", "b"), sym("b", "a"), reg("a/x", "x")}, []string{"too many levels"}},
		{"file as parent", []ent{reg("f", "f"), reg("f/x", "x")}, []string{"not a directory"}},
		{"whiteout of dotdot", []ent{reg("a/.wh...", "")}, []string{"invalid whiteout"}},
		{"root as file", []ent{reg(".", "x")}, []string{"root directory"}},
		{"deep through symlinks", []ent{
			sym("a", strings.Repeat("d/", 1500)), sym("a/b", "/a/"+strings.Repeat("e/", 1500)), reg("a/b/x", "x"),
		}, []string{"deeper than 2048"}},
		{"empty symlink", []ent{sym("s", "")}, []string{"symlink target"}},
		{"unsupported type", []ent{{hdr: tar.Header{Name: "x", Typeflag: 'V'}}}, []string{"unsupported entry type"}},
		{"negative uid", []ent{{hdr: tar.Header{Name: "x", Typeflag: tar.TypeReg, Uid: -5, Format: tar.FormatGNU}}}, []string{"negative uid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := buildErr(t, &Plan{Init: []v1.Image{imageOf(t, layerOf(t, reg("ok", "ok")), layerOf(t, tc.entries...))}})
			for _, w := range append([]string{"init[0]", "layer 1 (sha256:"}, tc.want...) {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
		})
	}
}

func TestHugeSizeClaim(t *testing.T) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	if err := tw.WriteHeader(&tar.Header{Name: "huge", Typeflag: tar.TypeReg, Size: 1 << 40}); err != nil {
		t.Fatal(err)
	}
	b.WriteString("only this")
	msg := buildErr(t, &Plan{Init: []v1.Image{imageOf(t, layerFromBytes(t, b.Bytes()))}})
	if !strings.Contains(msg, "init[0]") || !strings.Contains(msg, "unexpected EOF") {
		t.Errorf("error %q", msg)
	}
}

// Layers that are accepted, and where their entries end up.
func TestHostileLayersContained(t *testing.T) {
	l1 := layerOf(t,
		reg("/etc/passwd", "root:x:0:0::/root:/bin/sh\n"), // absolute: rooted
		sym("hostetc", "/host/etc"),                       // points outside on the host
		sym("escape", "../../.."),                         // climbs, clamped at the root
		sym("etc/shadowlink", "/etc/shadow"),
	)
	l2 := layerOf(t,
		reg("hostetc/passwd", "pwned"),         // through an absolute symlink
		reg("escape/escaped", "pwned"),         // through a climbing symlink
		hard("passwd-link", "/etc/passwd"),     // the image's own /etc/passwd
		hard("viaescape", "escape/etc/passwd"), // a hardlink target through a symlink
		reg(".//./etc/./group", "root:x:0:\n"), // odd spellings
		dev("dev/sda", tar.TypeBlock, 8, 0),    // device in the host root: kept
		ent{tar.Header{Name: "etc/x", Typeflag: tar.TypeReg, Uname: "root", Gname: "wheel", Uid: 1, Gid: 2}, ""},
	)
	o := build(t, &Plan{Init: []v1.Image{imageOf(t, l1, l2)}})
	for name, body := range map[string]string{
		"host/etc/passwd": "pwned", "escaped": "pwned", "etc/group": "root:x:0:\n",
		"passwd-link": "root:x:0:0::/root:/bin/sh\n", "viaescape": "root:x:0:0::/root:/bin/sh\n",
	} {
		if got := o.body(t, name); got != body {
			t.Errorf("%s = %q, want %q", name, got, body)
		}
	}
	if h := o.get(t, "hostetc"); h.Typeflag != tar.TypeSymlink || h.Linkname != "/host/etc" {
		t.Errorf("symlink target rewritten: %q", h.Linkname)
	}
	if h := o.get(t, "dev/sda"); h.Typeflag != tar.TypeBlock {
		t.Errorf("device in init dropped")
	}
	if h := o.get(t, "etc/x"); h.Uid != 1 || h.Gid != 2 {
		t.Errorf("ids %d:%d", h.Uid, h.Gid)
	}
}

func TestDevicesDroppedFromContainers(t *testing.T) {
	img := img1(t, dev("dev/sda", tar.TypeBlock, 8, 0), dev("dev/mem", tar.TypeChar, 1, 1),
		dev("hidden/kmsg", tar.TypeChar, 1, 11), dev("run/fifo", tar.TypeFifo, 0, 0), reg("bin/x", "x"))
	o := build(t, &Plan{
		Bundles: []Bundle{{Dir: "containers/services/x", Image: img, ConfigJSON: []byte("{}"), Readonly: true}},
		Volumes: []Volume{volume("v", img)},
	})
	for _, root := range []string{"containers/services/x/rootfs/", "containers/volumes/v/lower/"} {
		for _, name := range []string{"dev/sda", "dev/mem", "hidden/kmsg"} {
			if o.has(root + name) {
				t.Errorf("device %s%s kept", root, name)
			}
		}
		if !o.has(root+"run/fifo") || !o.has(root+"bin/x") {
			t.Errorf("%s: fifo or file dropped", root)
		}
	}
}

func TestHostilePlanRefused(t *testing.T) {
	img := img1(t, reg("x", "x"))
	for name, p := range map[string]*Plan{
		"files dotdot":    {Files: []File{{Path: "../x", Contents: []byte("x")}}},
		"files root":      {Files: []File{{Path: "/", Directory: true}}},
		"files parent":    {Files: []File{{Path: "f", Contents: []byte("x")}, {Path: "f/g", Contents: []byte("y")}}},
		"bundle dotdot":   {Bundles: []Bundle{{Dir: "containers/../../x", Image: img, ConfigJSON: []byte("{}")}}},
		"bundle root":     {Bundles: []Bundle{{Dir: "/", Image: img, ConfigJSON: []byte("{}")}}},
		"volume dotdot":   {Volumes: []Volume{volume("..", img)}},
		"volume slash":    {Volumes: []Volume{volume("a/b", nil)}},
		"volume dup":      {Volumes: []Volume{volume("a", nil), volume("a", nil)}},
		"volume no dirs":  {Volumes: []Volume{{Name: "a"}}},
		"volume dir out":  {Volumes: []Volume{{Name: "a", Lower: "../x", Tmp: "t", Merged: "m"}}},
		"kernel dotdot":   {Kernel: &Kernel{Image: img, Binary: "../x"}},
		"bad config":      {Bundles: []Bundle{{Dir: "c/x", Image: img, ConfigJSON: []byte("{")}}},
		"runtime error":   {Bundles: []Bundle{{Dir: "c/x", Image: img, ConfigJSON: []byte("{}"), Runtime: failingRuntime{}}}},
		"two kinds":       {Files: []File{{Path: "x", Directory: true, Symlink: "y"}}},
		"dir with bytes":  {Files: []File{{Path: "x", Directory: true, Contents: []byte("y")}}},
		"negative owner":  {Files: []File{{Path: "x", UID: -1}}},
		"nil init image":  {Init: []v1.Image{nil}},
		"nil bundle":      {Bundles: []Bundle{{Dir: "c/x", ConfigJSON: []byte("{}")}}},
		"kernel no image": {Kernel: &Kernel{}},
	} {
		t.Run(name, func(t *testing.T) { buildErr(t, p) })
	}
}

// failingRuntime is a runtime config that cannot be encoded.
type failingRuntime struct{}

func (failingRuntime) JSON([]specs.Mount) ([]byte, error) {
	return nil, errors.New("cannot encode")
}

// paxSparse builds by hand (Go's writer drops GNU.sparse records) a PAX
// 1.0 sparse file of 1 TiB of holes in 512 bytes.
func paxSparse(t *testing.T) []byte {
	var recs string
	for _, kv := range []string{"GNU.sparse.major=1", "GNU.sparse.minor=0", "GNU.sparse.name=s", "GNU.sparse.realsize=1099511627776"} {
		n := len(kv) + 3 // "NN " + kv + "\n", two-digit lengths
		recs += fmt.Sprintf("%d %s\n", n+1, kv)
	}
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	if err := tw.WriteHeader(&tar.Header{Name: "PaxHeaders/s", Typeflag: tar.TypeReg, Size: int64(len(recs)), Format: tar.FormatUSTAR}); err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(tw, recs)
	_ = tw.Flush()
	raw := b.Bytes()
	raw[156] = tar.TypeXHeader
	copy(raw[148:156], "        ")
	sum := 0
	for _, c := range raw[:512] {
		sum += int(c)
	}
	copy(raw[148:156], fmt.Sprintf("%06o\x00 ", sum))
	rest := tarBytes(t, reg("s", "1\n0\n0\n"+strings.Repeat("\x00", 512-6)))
	return append(append([]byte(nil), raw...), rest...)
}

func TestSparseRefused(t *testing.T) {
	gnu := tarBytes(t, ent{hdr: tar.Header{Name: "t", Typeflag: tar.TypeGNUSparse, Format: tar.FormatGNU}})
	for name, layer := range map[string][]byte{"pax": paxSparse(t), "gnu": gnu} {
		msg := buildErr(t, &Plan{Init: []v1.Image{imageOf(t, layerFromBytes(t, layer))}})
		if !strings.Contains(msg, "sparse files are not supported") {
			t.Errorf("%s: error %q", name, msg)
		}
	}
}

// changingLayer gives different bytes on each read, like a cache that was
// modified between the two passes.
type changingLayer struct {
	bytesLayer
	reads    *int
	versions [][]byte
}

func (l changingLayer) Uncompressed() (io.ReadCloser, error) {
	v := l.versions[min(*l.reads, len(l.versions)-1)]
	*l.reads++
	return io.NopCloser(bytes.NewReader(v)), nil
}

func TestLayerChangedBetweenPasses(t *testing.T) {
	for name, second := range map[string][]byte{
		"size":      tarBytes(t, reg("a", "four")),
		"truncated": tarBytes(t, reg("b", "b")),
	} {
		reads := 0
		l := changingLayer{bytesLayer: bytesLayer(tarBytes(t, reg("a", "abc"))), reads: &reads, versions: [][]byte{tarBytes(t, reg("a", "abc")), second}}
		msg := buildErr(t, &Plan{Init: []v1.Image{imageOf(t, l)}})
		if !strings.Contains(msg, errChanged.Error()) {
			t.Errorf("%s: error %q", name, msg)
		}
	}
}
