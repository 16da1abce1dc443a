package rootfs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/spec"
)

func kernelImage(t testing.TB, gz bool) v1.Image {
	t.Helper()
	mods := tarBytes(t, dir("lib/"), dir("lib/modules/"), reg("lib/modules/6.1/modules.dep", "dep"), reg(".wh.literal", "kept"))
	if gz {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write(mods)
		_ = zw.Close()
		mods = b.Bytes()
	}
	k := reg("bzImage", "KERNEL")
	k.hdr.Mode = 0600
	return img1(t, k, sym("kernel", "bzImage"), reg("kernel.tar", string(mods)),
		reg("intel-ucode.cpio", "UCODE"), reg("other", "dropped"))
}

func TestKernelLayout(t *testing.T) {
	for _, gz := range []bool{false, true} {
		p := &Plan{Kernel: &Kernel{Image: kernelImage(t, gz), UCode: "intel-ucode.cpio", Cmdline: "console=ttyS0"}}
		o := build(t, p)
		want := map[string]string{
			BootKernel: "KERNEL", BootCmdline: "console=ttyS0", BootUCode: "UCODE",
			"lib/modules/6.1/modules.dep": "dep", ".wh.literal": "kept",
		}
		for name, body := range want {
			if got := o.body(t, name); got != body {
				t.Errorf("gz=%v %s = %q, want %q", gz, name, got, body)
			}
		}
		if o.has("other") || o.has("kernel.tar") || o.has("bzImage") {
			t.Errorf("gz=%v: kernel image files leaked: %v", gz, o.order)
		}
		h := o.get(t, BootKernel)
		if h.Mode != 0600 || !h.ModTime.Equal(DefaultModTime) || o.get(t, "boot").Mode != 0755 {
			t.Errorf("boot/kernel mode %o mtime %v", h.Mode, h.ModTime)
		}

		tree, err := Index(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		var initrd bytes.Buffer
		if err := tree.WriteInitrdTar(context.Background(), &initrd); err != nil {
			t.Fatal(err)
		}
		io := readOut(t, initrd.Bytes())
		if io.has("boot") || io.has(BootKernel) || io.has(BootCmdline) || io.has(BootUCode) || !io.has("lib/modules/6.1/modules.dep") {
			t.Errorf("initrd tar: %v", io.order)
		}
		for name, body := range map[string]string{BootKernel: "KERNEL", BootUCode: "UCODE", "lib/modules/6.1/modules.dep": "dep"} {
			if got := readAll(t, tree, name); got != body {
				t.Errorf("Open(%s) = %q", name, got)
			}
		}
	}
}

func readAll(t testing.TB, tree *Tree, name string) string {
	t.Helper()
	rc, size, err := tree.Open(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(rc)
	if err != nil || int64(len(b)) != size {
		t.Fatalf("read %s: %v, %d of %d bytes", name, err, len(b), size)
	}
	return string(b)
}

func TestKernelErrors(t *testing.T) {
	img := kernelImage(t, false)
	for k, want := range map[*Kernel]string{
		{Image: img, Binary: "vmlinuz"}:      `did not find kernel "vmlinuz"`,
		{Image: img, Tar: "modules.tar"}:     `did not find kernel tar "modules.tar"`,
		{Image: img, UCode: "amd.cpio"}:      `did not find ucode "amd.cpio"`,
		{Image: img, Binary: "kernel.tar/x"}: "not a directory",
	} {
		if msg := buildErr(t, &Plan{Kernel: k}); !strings.Contains(msg, want) {
			t.Errorf("error %q, want %q", msg, want)
		}
	}
	o := build(t, &Plan{Kernel: &Kernel{Image: img, Tar: "none"}})
	if o.has("lib") || o.has(BootUCode) || !o.has(BootKernel) {
		t.Errorf("tar none: %v", o.order)
	}
}

func TestInitFixups(t *testing.T) {
	img := img1(t,
		reg(".dockerenv", ""), reg("Dockerfile", "FROM x"), dev("dev/console", tar.TypeChar, 5, 1),
		reg("etc/hostname", "builder"), reg("etc/hosts", "10.0.0.1 evil"), reg("etc/resolv.conf", "nameserver 1.1.1.1"),
		reg("etc/mtab", "mine"), dir("proc/"),
	)
	o := build(t, &Plan{Init: []v1.Image{img}})
	for _, name := range []string{".dockerenv", "Dockerfile", "dev/console", "etc/hostname"} {
		if o.has(name) {
			t.Errorf("%s not excluded", name)
		}
	}
	if got := o.body(t, "etc/hosts"); !strings.HasPrefix(got, "127.0.0.1       localhost\n") {
		t.Errorf("etc/hosts = %q", got)
	}
	if h := o.get(t, "etc/resolv.conf"); h.Typeflag != tar.TypeSymlink || h.Linkname != "/run/resolvconf/resolv.conf" {
		t.Errorf("etc/resolv.conf = %c %q", h.Typeflag, h.Linkname)
	}
	if o.body(t, "etc/mtab") != "mine" || !o.get(t, "etc/mtab").ModTime.Equal(DefaultModTime) {
		t.Errorf("existing etc/mtab should stay, with our mtime")
	}
	for _, d := range []string{"dev", "dev/pts", "dev/shm", "etc", "proc", "sys"} {
		if h := o.get(t, d); h.Typeflag != tar.TypeDir || !h.ModTime.Equal(DefaultModTime) {
			t.Errorf("%s: %c %v", d, h.Typeflag, h.ModTime)
		}
	}
	// A bare image gets the whole touch list; a bundle's resolv.conf is a file.
	o = build(t, &Plan{
		Init:    []v1.Image{img1(t, reg("x", ""))},
		Bundles: []Bundle{{Dir: "containers/onboot/000-a", Image: img1(t, reg("y", "")), ConfigJSON: []byte("{}"), Readonly: true}},
	})
	if h := o.get(t, "etc/mtab"); h.Typeflag != tar.TypeSymlink || h.Linkname != "/proc/mounts" {
		t.Errorf("etc/mtab = %c %q", h.Typeflag, h.Linkname)
	}
	if got := o.body(t, "containers/onboot/000-a/rootfs/etc/resolv.conf"); got != "\n# no resolv.conf configured\n" {
		t.Errorf("bundle resolv.conf = %q", got)
	}
}

func TestAPKDatabaseUnion(t *testing.T) {
	a := img1(t, reg("lib/apk/db/installed", "P:a\n"))
	b := img1(t, reg("lib/apk/db/installed", "P:b\n"))
	o := build(t, &Plan{Init: []v1.Image{a, img1(t, reg("x", "")), b}})
	if got := o.body(t, apkDB); got != "P:a\n\n\nP:b\n\n\n" {
		t.Errorf("apk db = %q", got)
	}
	o = build(t, &Plan{Init: []v1.Image{a}})
	if got := o.body(t, apkDB); got != "P:a\n" {
		t.Errorf("single apk db = %q", got)
	}
}

func TestBundles(t *testing.T) {
	app := img1(t, reg("bin/app", "APP"))
	runtime := &spec.Runtime{
		Cgroups: &[]string{"x"},
		Mkdir:   &[]string{"/var/x"},
		Mounts:  &[]specs.Mount{{Destination: "/mine", Type: "bind", Source: "/src"}},
	}
	o := build(t, &Plan{Bundles: []Bundle{
		{Dir: "containers/onboot/000-ro", Image: app, ConfigJSON: []byte(`{"a":1}`), Runtime: runtime, Readonly: true},
		{Dir: "containers/onboot/001-rw", Image: app, ConfigJSON: []byte(`{}`)},
		{Dir: "containers/services/other", Image: img1(t, reg("bin/other", "O")), ConfigJSON: []byte(`{}`)},
	}})
	if got := o.body(t, "containers/onboot/000-ro/rootfs/bin/app"); got != "APP" {
		t.Errorf("app = %q", got)
	}
	if got := o.body(t, "containers/onboot/000-ro/config.json"); got != `{"a":1}` {
		t.Errorf("config.json = %q", got)
	}
	// runtime.json keeps linuxkit's field order (cgroups, mounts, mkdir),
	// the rootfs mount first.
	wantRO := `{
    "cgroups": [
        "x"
    ],
    "mounts": [
        {
            "destination": "/containers/onboot/000-ro/rootfs",
            "source": "/containers/onboot/000-ro/rootfs",
            "options": [
                "bind"
            ]
        },
        {
            "destination": "/mine",
            "type": "bind",
            "source": "/src"
        }
    ],
    "mkdir": [
        "/var/x"
    ]
}`
	if got := o.body(t, "containers/onboot/000-ro/runtime.json"); got != wantRO {
		t.Errorf("readonly runtime.json:\n%s\nwant:\n%s", got, wantRO)
	}
	// The second bundle reuses the first copy as its lower directory.
	if o.has("containers/onboot/001-rw/lower") {
		t.Error("duplicate image unpacked twice")
	}
	for _, d := range []string{"containers/onboot/001-rw/tmp", "containers/onboot/001-rw/rootfs", "containers/services/other/lower/bin"} {
		if o.get(t, d).Typeflag != tar.TypeDir {
			t.Errorf("%s is not a directory", d)
		}
	}
	rw := o.body(t, "containers/onboot/001-rw/runtime.json")
	for _, want := range []string{
		`"lowerdir=/containers/onboot/000-ro/rootfs"`, `"upperdir=/containers/onboot/001-rw/tmp/upper"`,
		`"workdir=/containers/onboot/001-rw/tmp/work"`, `"remount"`, `"destination": "/containers/onboot/001-rw/tmp"`,
	} {
		if !strings.Contains(rw, want) {
			t.Errorf("rw runtime.json lacks %s:\n%s", want, rw)
		}
	}
	if got := o.body(t, "containers/services/other/runtime.json"); !strings.Contains(got, "lowerdir=/containers/services/other/lower") {
		t.Errorf("other runtime.json: %s", got)
	}
}

func TestVolumes(t *testing.T) {
	o := build(t, &Plan{Volumes: []Volume{volume("empty", nil), volume("data", img1(t, reg("d/f", "F")))}})
	for _, d := range []string{"empty/lower", "empty/tmp", "empty/merged", "data/tmp", "data/merged"} {
		if o.get(t, "containers/volumes/"+d).Typeflag != tar.TypeDir {
			t.Errorf("%s", d)
		}
	}
	if o.body(t, "containers/volumes/data/lower/d/f") != "F" || o.get(t, "containers/volumes/data/lower/etc/resolv.conf").Typeflag != tar.TypeSymlink {
		t.Errorf("volume image: %v", o.order)
	}
}

func TestFiles(t *testing.T) {
	etc := dir("etc/")
	etc.hdr.Mode, etc.hdr.Gid = 0711, 3
	init := img1(t, etc, reg("etc/motd", "image motd"), sym("lib", "usr/lib"), dir("usr/lib/"))
	src := "from a source file"
	open := func() (io.ReadCloser, int64, error) {
		return io.NopCloser(strings.NewReader(src)), int64(len(src)), nil
	}
	missing := func() (io.ReadCloser, int64, error) { return nil, 0, io.ErrUnexpectedEOF }
	o := build(t, &Plan{Init: []v1.Image{init}, ModTime: time.Unix(1700000000, 0), Files: []File{
		{Path: "/etc/motd", Contents: []byte("ours")},
		{Path: "etc/ssh/sshd_config", Contents: []byte("cfg"), Mode: 0640, UID: 100, GID: 101},
		{Path: "var/empty", Directory: true},
		{Path: "etc/link", Symlink: "/etc/motd"},
		{Path: "etc/src", Open: open},
		{Path: "etc/gone", Open: missing, Optional: true},
		{Path: "lib/modules-load.d/x.conf", Contents: []byte("mod")},
		{Path: "etc/empty"},
	}})
	if o.body(t, "etc/motd") != "ours" || o.body(t, "etc/src") != src || o.body(t, "usr/lib/modules-load.d/x.conf") != "mod" {
		t.Errorf("contents: %v", o.order)
	}
	if h := o.get(t, "etc"); h.Mode != 0711 || h.Gid != 3 {
		t.Errorf("existing /etc changed: %o %d", h.Mode, h.Gid)
	}
	if h := o.get(t, "etc/ssh"); h.Mode != 0750 || h.Uid != 100 || h.Gid != 101 {
		t.Errorf("created parent: %o %d:%d", h.Mode, h.Uid, h.Gid)
	}
	if h := o.get(t, "etc/ssh/sshd_config"); h.Mode != 0640 || h.ModTime.Unix() != 1700000000 {
		t.Errorf("file: %o %v", h.Mode, h.ModTime)
	}
	if h := o.get(t, "var/empty"); h.Typeflag != tar.TypeDir || h.Mode != 0700 {
		t.Errorf("directory: %c %o", h.Typeflag, h.Mode)
	}
	if h := o.get(t, "etc/link"); h.Typeflag != tar.TypeSymlink || h.Mode != 0600 {
		t.Errorf("symlink: %c %o", h.Typeflag, h.Mode)
	}
	if o.has("etc/gone") || o.get(t, "etc/empty").Size != 0 {
		t.Error("optional source or empty file")
	}
	if msg := buildErr(t, &Plan{Files: []File{{Path: "x", Open: missing}}}); !strings.Contains(msg, `files[0] "x": source`) {
		t.Errorf("error %q", msg)
	}
}

func TestDeterministic(t *testing.T) {
	p := fullPlan(t)
	var a, b bytes.Buffer
	if err := Write(context.Background(), &a, p); err != nil {
		t.Fatal(err)
	}
	tree, err := Index(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if err := tree.WriteTar(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) || a.Len() == 0 {
		t.Fatalf("two writes differ (%d vs %d bytes)", a.Len(), b.Len())
	}
	o := readOut(t, a.Bytes())
	if s := tree.Stats(); s.Entries != len(o.order) || s.Bytes <= 0 {
		t.Errorf("stats %+v for %d entries", s, len(o.order))
	}
}

// fullPlan uses every kind of source.
func fullPlan(t testing.TB) *Plan {
	app := img1(t, reg("bin/app", "APP"), hard("bin/app2", "bin/app"))
	return &Plan{
		Kernel:  &Kernel{Image: kernelImage(t, true), Cmdline: "console=ttyS0"},
		Init:    []v1.Image{img1(t, reg("init", "#!/bin/sh"), reg("lib/apk/db/installed", "P:a\n")), img1(t, reg("lib/apk/db/installed", "P:b\n"))},
		Volumes: []Volume{volume("v", app)},
		Bundles: []Bundle{
			{Dir: "containers/onboot/000-a", Image: app, ConfigJSON: []byte("{}"), Readonly: true},
			{Dir: "containers/services/b", Image: app, ConfigJSON: []byte("{}")},
		},
		Files: []File{{Path: "etc/x", Contents: []byte("x")}},
	}
}

func TestConcurrentWrites(t *testing.T) {
	tree, err := Index(context.Background(), fullPlan(t))
	if err != nil {
		t.Fatal(err)
	}
	var full, initrd [2]bytes.Buffer
	errs := make(chan error, 4)
	for i := 0; i < 2; i++ {
		go func() { errs <- tree.WriteTar(context.Background(), &full[i]) }()
		go func() { errs <- tree.WriteInitrdTar(context.Background(), &initrd[i]) }()
	}
	for i := 0; i < 4; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(full[0].Bytes(), full[1].Bytes()) || !bytes.Equal(initrd[0].Bytes(), initrd[1].Bytes()) {
		t.Error("concurrent writes differ")
	}
	if initrd[0].Len() >= full[0].Len() {
		t.Error("initrd tar not smaller than the full tar")
	}
}

// TestFilesDoNotReplaceDirectories: a files entry that is a file or a symlink
// where the images have a directory with entries would silently drop that
// whole directory, so it is refused with the entry's place in its spec file;
// an empty directory, or a directory entry over a directory, is fine.
func TestFilesDoNotReplaceDirectories(t *testing.T) {
	init := img1(t, dir("etc/"), reg("etc/passwd", "root:x:0:0"), dir("srv/"))
	for _, f := range []File{
		{Path: "etc", Contents: []byte("oops"), Where: "spec.yml:9:5: files[1]"},
		{Path: "/etc/", Symlink: "/tmp", Where: "spec.yml:9:5: files[1]"},
	} {
		msg := buildErr(t, &Plan{Init: []v1.Image{init}, Files: []File{f}})
		if !strings.Contains(msg, `spec.yml:9:5: files[1] "`) || !strings.Contains(msg, "a directory etc here with") || !strings.Contains(msg, "etc/<name>") {
			t.Errorf("%+v: error %q", f, msg)
		}
	}
	o := build(t, &Plan{Init: []v1.Image{init}, Files: []File{
		{Path: "srv", Contents: []byte("a file over an empty directory")},
		{Path: "etc", Directory: true, Mode: 0755},
	}})
	if o.body(t, "srv") != "a file over an empty directory" || o.body(t, "etc/passwd") != "root:x:0:0" {
		t.Errorf("outputs: %v", o.order)
	}
}
