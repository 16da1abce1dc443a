package sbom

import (
	"archive/tar"
	"bytes"
	"testing"
)

// tarOf builds a tar stream of regular files, in the order given.
func tarOf(t testing.TB, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		body := files[i+1]
		if err := tw.WriteHeader(&tar.Header{Name: files[i], Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const dpkgFixture = `Package: bash
Status: install ok installed
Architecture: amd64
Version: 5.2.15-2+b7
Description: GNU Bourne Again SHell
 continuation line: with a colon

Package: removed
Status: deinstall ok config-files
Version: 1.0

Package: libc6
Status: install ok installed
Architecture: amd64
Version: 2.36-9+deb12u9
`

const apkFixture = `C:Q1abc=
P:musl
V:1.2.5-r9
A:x86_64
L:MIT

P:busybox
V:1.37.0-r12
A:x86_64
L:GPL-2.0-only
`

// fixtureFiles are a debian root and an alpine root below bundle
// directories, as a LinuxKit root filesystem lays them out.
var fixtureFiles = []string{
	"containers/onboot/000-deb/rootfs/etc/os-release", "PRETTY_NAME=\"Debian\"\nID=debian\n",
	"containers/onboot/000-deb/rootfs/var/lib/dpkg/status", dpkgFixture,
	"containers/services/alp/lower/etc/os-release", "ID=\"alpine\"\n",
	"containers/services/alp/lower/lib/apk/db/installed", apkFixture,
	"containers/services/alp2/lower/lib/apk/db/installed", apkFixture,
}

// tarHeader writes only the header of one regular file of size bytes
// into buf, for tests that stream the body themselves.
func tarHeader(buf *bytes.Buffer, name string, size int64) {
	// The header is in buf once WriteHeader returns; the writer is dropped
	// before its body, which the caller streams.
	_ = tar.NewWriter(buf).WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: size, Typeflag: tar.TypeReg})
}
