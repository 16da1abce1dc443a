package initrd

import (
	"archive/tar"
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// fixedTime is the mtime every fixture entry carries, so the extracted tree can be checked.
var fixedTime = time.Date(2017, 4, 18, 16, 30, 0, 0, time.UTC)

// entry is one fixture tar entry.
type entry struct {
	hdr  tar.Header
	data []byte
}

func dir(name string, mode int64) entry {
	return entry{hdr: tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: mode, ModTime: fixedTime}}
}

func file(name string, mode int64, uid, gid int, data string) entry {
	return entry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Uid: uid, Gid: gid,
		Size: int64(len(data)), ModTime: fixedTime}, data: []byte(data)}
}

func link(typ byte, name, target string) entry {
	return entry{hdr: tar.Header{Typeflag: typ, Name: name, Linkname: target, Mode: 0o777, ModTime: fixedTime}}
}

func dev(typ byte, name string, mode, major, minor int64) entry {
	return entry{hdr: tar.Header{Typeflag: typ, Name: name, Mode: mode, Devmajor: major, Devminor: minor, ModTime: fixedTime}}
}

// buildTar writes the entries as one tar stream (PAX, like linuxkit's).
func buildTar(t testing.TB, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.hdr
		h.Format = tar.FormatPAX
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatalf("tar header %s: %v", h.Name, err)
		}
		if _, err := tw.Write(e.data); err != nil {
			t.Fatalf("tar data %s: %v", h.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatalf("tar close: %v", err)
	}
	return buf.Bytes()
}

// run runs a shell pipeline in dir with TZ=UTC and returns its stdout; failure is fatal.
func run(t testing.TB, dir, script string) string {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstderr: %s", script, err, errb.String())
	}
	return out.String()
}

// listing is one line of `cpio -itv --numeric-uid-gid`, split into what we compare.
type listing struct {
	mode, uid, gid, size, name string
}

// parseListing parses GNU cpio's verbose listing. A device's size column is "maj, min".
func parseListing(t testing.TB, out string) map[string]listing {
	t.Helper()
	res := map[string]listing{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 9 {
			t.Fatalf("unexpected cpio listing line %q", line)
		}
		l := listing{mode: f[0], uid: f[2], gid: f[3]}
		rest := f[4:]
		if strings.HasSuffix(rest[0], ",") { // device: "5," "1"
			l.size = rest[0] + " " + rest[1]
			rest = rest[1:]
		} else {
			l.size = rest[0]
		}
		l.name = strings.Join(rest[4:], " ") // skip size and the 3 date tokens
		res[strings.SplitN(l.name, " -> ", 2)[0]] = l
	}
	return res
}

func requireTools(t testing.TB, tools ...string) {
	t.Helper()
	testrig.Require(t, tools...)
}
