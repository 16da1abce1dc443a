package initrd

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fixture is a small root file system with every entry type the kernel unpacks, plus a
// linuxkit-style boot/ folder.
func fixture() []entry {
	return []entry{
		dir("./", 0o755),
		dir("bin/", 0o755),
		file("bin/busybox", 0o755, 0, 0, "#!busybox\n"),
		link(tar.TypeLink, "bin/sh", "bin/busybox"),           // hardlink: becomes "busybox"
		link(tar.TypeLink, "usr/bin/env", "bin/busybox"),      // hardlink across dirs
		link(tar.TypeSymlink, "bin/ls", "/bin/busybox"),       // absolute symlink kept as is
		link(tar.TypeSymlink, "lib", "usr/lib"),               // relative symlink
		dir("boot", 0o755),                                    // kept, as linuxkit keeps it
		file("boot/kernel", 0o644, 0, 0, "KERNEL"),            // diverted to Options.Boot
		file("boot/cmdline", 0o644, 0, 0, "console=ttyS0"),    // diverted to Options.Boot
		dir("dev", 0o755),                                     //
		dev(tar.TypeChar, "dev/console", 0o620, 5, 1),         //
		dev(tar.TypeChar, "dev/null", 0o666, 1, 3),            //
		dev(tar.TypeBlock, "dev/sda", 0o660, 8, 0),            //
		dev(tar.TypeFifo, "dev/initctl", 0o600, 0, 0),         //
		dir("etc", 0o755),                                     //
		file("etc/hosts", 0o644, 0, 0, "127.0.0.1 localhost"), // 19 bytes: needs padding
		file("etc/empty", 0o600, 0, 0, ""),                    //
		file("etc/owned", 0o640, 1000, 1001, "abc"),           //
		file("etc/suid", 0o4755, 0, 0, "suid"),                //
		dir("tmp", 0o1777),                                    //
		dir("usr/", 0o755),                                    //
		dir("usr/bin", 0o755),                                 //
		dir("usr/lib", 0o755),                                 //
	}
}

func writeFixture(t *testing.T, opts Options) (out []byte, boot map[string]string) {
	t.Helper()
	boot = map[string]string{}
	opts.Boot = func(h *tar.Header, r io.Reader) error {
		b, err := io.ReadAll(r)
		boot[h.Name] = string(b)
		return err
	}
	var buf bytes.Buffer
	if err := Write(&buf, bytes.NewReader(buildTar(t, fixture())), opts); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes(), boot
}

// TestWriteListedByCPIO checks what GNU cpio sees in our gzipped archive: types, modes,
// owners, sizes, device numbers, link targets, and that boot/ went to the hook.
func TestWriteListedByCPIO(t *testing.T) {
	requireTools(t, "cpio", "gzip")
	out, boot := writeFixture(t, DefaultOptions())
	if boot["boot/kernel"] != "KERNEL" || boot["boot/cmdline"] != "console=ttyS0" || len(boot) != 2 {
		t.Fatalf("boot hook got %v", boot)
	}
	tmp := t.TempDir()
	img := filepath.Join(tmp, "initrd.img")
	if err := os.WriteFile(img, out, 0o644); err != nil {
		t.Fatal(err)
	}
	got := parseListing(t, run(t, tmp, "gzip -dc initrd.img | cpio -itv --numeric-uid-gid --quiet"))
	want := map[string]listing{
		".":           {"drwxr-xr-x", "0", "0", "0", "."},
		"bin":         {"drwxr-xr-x", "0", "0", "0", "bin"},
		"bin/busybox": {"-rwxr-xr-x", "0", "0", "10", "bin/busybox"},
		"bin/sh":      {"lrwxrwxrwx", "0", "0", "7", "bin/sh -> busybox"},
		"usr/bin/env": {"lrwxrwxrwx", "0", "0", "17", "usr/bin/env -> ../../bin/busybox"},
		"bin/ls":      {"lrwxrwxrwx", "0", "0", "12", "bin/ls -> /bin/busybox"},
		"lib":         {"lrwxrwxrwx", "0", "0", "7", "lib -> usr/lib"},
		"boot":        {"drwxr-xr-x", "0", "0", "0", "boot"},
		"dev":         {"drwxr-xr-x", "0", "0", "0", "dev"},
		"dev/console": {"crw--w----", "0", "0", "5, 1", "dev/console"},
		"dev/null":    {"crw-rw-rw-", "0", "0", "1, 3", "dev/null"},
		"dev/sda":     {"brw-rw----", "0", "0", "8, 0", "dev/sda"},
		"dev/initctl": {"prw-------", "0", "0", "0", "dev/initctl"},
		"etc":         {"drwxr-xr-x", "0", "0", "0", "etc"},
		"etc/hosts":   {"-rw-r--r--", "0", "0", "19", "etc/hosts"},
		"etc/empty":   {"-rw-------", "0", "0", "0", "etc/empty"},
		"etc/owned":   {"-rw-r-----", "1000", "1001", "3", "etc/owned"},
		"etc/suid":    {"-rwsr-xr-x", "0", "0", "4", "etc/suid"},
		"tmp":         {"drwxrwxrwt", "0", "0", "0", "tmp"},
		"usr":         {"drwxr-xr-x", "0", "0", "0", "usr"},
		"usr/bin":     {"drwxr-xr-x", "0", "0", "0", "usr/bin"},
		"usr/lib":     {"drwxr-xr-x", "0", "0", "0", "usr/lib"},
	}
	for name, w := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("%s missing from the cpio listing", name)
		} else if g != w {
			t.Errorf("%s: cpio lists %+v, want %+v", name, g, w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected entry %q in the archive", name)
		}
	}
}

// TestWriteExtractedByCPIO extracts the archive with GNU cpio (devices excluded: we only
// list those) and checks contents, links, modes, owners and the tar's mtimes.
func TestWriteExtractedByCPIO(t *testing.T) {
	requireTools(t, "cpio", "gzip")
	out, _ := writeFixture(t, DefaultOptions())
	tmp := t.TempDir()
	if err := os.WriteFile(filepath.Join(tmp, "initrd.img"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(tmp, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, root, "gzip -dc ../initrd.img | cpio -idm --quiet --no-absolute-filenames -f 'dev/console' 'dev/null' 'dev/sda'")

	for name, want := range map[string]string{"bin/busybox": "#!busybox\n", "etc/hosts": "127.0.0.1 localhost",
		"etc/empty": "", "etc/owned": "abc", "bin/sh": "#!busybox\n", "usr/bin/env": "#!busybox\n"} {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil || string(b) != want {
			t.Errorf("%s: read %q (%v), want %q", name, b, err, want)
		}
	}
	for name, want := range map[string]string{"bin/sh": "busybox", "usr/bin/env": "../../bin/busybox",
		"bin/ls": "/bin/busybox", "lib": "usr/lib"} {
		if got, err := os.Readlink(filepath.Join(root, name)); err != nil || got != want {
			t.Errorf("%s: readlink %q (%v), want %q", name, got, err, want)
		}
	}
	for name, want := range map[string]os.FileMode{"bin/busybox": 0o755, "etc/owned": 0o640,
		"etc/suid": 0o755 | os.ModeSetuid, "tmp": 0o777 | os.ModeDir | os.ModeSticky,
		"dev/initctl": 0o600 | os.ModeNamedPipe} {
		fi, err := os.Lstat(filepath.Join(root, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode(), want)
		}
		if !fi.ModTime().Equal(fixedTime) {
			t.Errorf("%s: mtime %v, want the tar's %v", name, fi.ModTime().UTC(), fixedTime)
		}
	}
	if os.Geteuid() == 0 { // only root's cpio restores owners
		fi, err := os.Lstat(filepath.Join(root, "etc/owned"))
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != 1000 || st.Gid != 1001 {
			t.Errorf("etc/owned: owner %d:%d, want 1000:1001", st.Uid, st.Gid)
		}
	}
	if _, err := os.Lstat(filepath.Join(root, "boot/kernel")); !os.IsNotExist(err) {
		t.Errorf("boot/kernel must not be in the initrd (Boot hook set): %v", err)
	}
}

// TestWriteUncompressed checks the raw archive's framing: newc magic, 4-byte alignment and
// the trailer at the very end.
func TestWriteUncompressed(t *testing.T) {
	out, _ := writeFixture(t, Options{})
	if !bytes.HasPrefix(out, []byte("070701")) {
		t.Fatalf("archive starts with %q", out[:6])
	}
	if len(out)%4 != 0 {
		t.Errorf("archive length %d is not a multiple of 4", len(out))
	}
	if !bytes.HasSuffix(out, []byte("TRAILER!!!\x00\x00\x00\x00")) {
		t.Errorf("archive does not end with the trailer: %q", out[len(out)-16:])
	}
	// Inode numbers count up from 1 in entry order; the trailer's is 0.
	if got := string(out[6:14]); got != "00000001" {
		t.Errorf("first inode %s, want 00000001", got)
	}
}

// TestWriteWithoutBootHook keeps boot/ entries in the archive when no hook is set.
func TestWriteWithoutBootHook(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, bytes.NewReader(buildTar(t, fixture())), Options{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("boot/kernel\x00")) {
		t.Error("boot/kernel missing although Options.Boot is nil")
	}
}

func TestWriteErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		tar  []byte
		opts Options
		want string
	}{
		"truncated tar": {tar: buildTar(t, fixture())[:3000], want: "read tar"},
		"bad level":     {tar: buildTar(t, fixture()), opts: Options{Compress: true, Level: 12}, want: "level"},
		"small block":   {tar: buildTar(t, fixture()), opts: Options{Compress: true, BlockSize: 100}, want: "block size"},
		"hook error": {tar: buildTar(t, fixture()), opts: Options{Boot: func(*tar.Header, io.Reader) error {
			return io.ErrUnexpectedEOF
		}}, want: "boot entry boot/kernel"},
	} {
		t.Run(name, func(t *testing.T) {
			err := Write(io.Discard, bytes.NewReader(tc.tar), tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Write error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestCPIOHeaderRejectsUnknownType(t *testing.T) {
	_, err := cpioHeader("x", &tar.Header{Name: "x", Typeflag: tar.TypeGNUSparse})
	if err == nil || !strings.Contains(err.Error(), "cannot go into an initrd") {
		t.Fatalf("got %v", err)
	}
	if _, err := cpioHeader("x", &tar.Header{Name: "x", Typeflag: tar.TypeReg, Uid: -1}); err == nil {
		t.Fatal("negative uid accepted")
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{"./": ".", "/": ".", "./etc/": "etc", "/etc/hosts": "etc/hosts",
		"a//b/./c": "a/b/c", "../../x": "x"} {
		if got, err := cleanName(in); err != nil || got != want {
			t.Errorf("cleanName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := cleanName(""); err == nil {
		t.Error("empty name accepted")
	}
	for _, tc := range [][3]string{{"bin", "bin/busybox", "busybox"}, {".", "bin/busybox", "bin/busybox"},
		{"usr/bin", "bin/busybox", "../../bin/busybox"}, {"a/b", "a", ".."}, {"a", "a", "."}} {
		if got := relativeTo(tc[0], tc[1]); got != tc[2] {
			t.Errorf("relativeTo(%q, %q) = %q, want %q", tc[0], tc[1], got, tc[2])
		}
	}
}
