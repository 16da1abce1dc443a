package testrig

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestFixturesBoot proves the rig on its own: the fixture images are pushed to the loopback
// registry, pulled back over HTTP, laid out by hand as a LinuxKit initramfs (init image at /,
// kernel.tar's modules, one readonly onboot bundle, one overlay onboot bundle, one service),
// packed with the host's cpio and gzip, and booted in QEMU. Every marker checked below is
// printed by a container's command and carries a per-test nonce, so the init cannot fake it.
func TestFixturesBoot(t *testing.T) {
	if testing.Short() {
		t.Skip("boots QEMU: skipped in -short mode")
	}
	Require(t, "cpio", "gzip", "find", "sort")
	kernel := Kernel(t)
	start := time.Now()
	reg := StartRegistry(t)
	fx := PushFixtures(t, reg)
	pushed := time.Since(start)

	pull := func(ref string) v1.Image {
		r, err := name.ParseReference(ref, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		img, err := remote.Image(r, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: "amd64"}))
		if err != nil {
			t.Fatalf("pull %s: %v", ref, err)
		}
		return img
	}
	root := t.TempDir()
	extractImage(t, pull(fx.InitIndex), root) // through the index: amd64 chosen
	kdir := t.TempDir()
	extractImage(t, pull(fx.Kernel), kdir)
	ktar, err := os.Open(filepath.Join(kdir, "kernel.tar"))
	if err != nil {
		t.Fatalf("kernel image has no kernel.tar: %v", err)
	}
	defer ktar.Close()
	if err := extractTar(ktar, root); err != nil {
		t.Fatalf("kernel.tar: %v", err)
	}
	if _, err := os.Stat(filepath.Join(kdir, "kernel")); err != nil {
		t.Fatalf("kernel image has no kernel: %v", err)
	}

	nonce := newNonce(t)
	svc := pull(fx.Service)
	bundle := func(rel string, img v1.Image, config []byte, readonly bool, runtime string) {
		writeBundle(t, filepath.Join(root, rel), img, config, readonly, runtime)
	}
	bundle("containers/onboot/000-hello", svc,
		bundleConfig(t, "hello", true, shellArgs("echo HELLO-"+nonce, "grep CapEff /proc/self/status",
			"id -u", "hostname", "ls -d /mnt/made-by-runtime-json && echo MKDIR-"+nonce),
			specs.Mount{Destination: "/mnt", Type: "bind", Source: "/var/lib/fixture",
				Options: []string{"rbind", "ro"}}),
		true, bindRuntime("containers/onboot/000-hello", "containers/onboot/000-hello",
			"/var/lib/fixture/made-by-runtime-json"))
	bundle("containers/onboot/001-ovl", svc,
		bundleConfig(t, "ovl", false, shellArgs("touch /written && echo OVL-WRITE-"+nonce,
			"grep -q '^overlay / overlay' /proc/mounts && echo OVL-MOUNT-"+nonce)),
		false, overlayRuntime("containers/onboot/001-ovl", "containers/onboot/001-ovl"))
	// The same image again: linuxkit extracts it once and points runtime.json at the first copy.
	bundle("containers/onboot/002-dup", nil,
		bundleConfig(t, "dup", true, shellArgs("echo DUP-"+nonce)),
		true, bindRuntime("containers/onboot/002-dup", "containers/onboot/000-hello"))
	bundle("containers/services/svc", nil,
		bundleConfig(t, "svc", false, shellArgs("test ! -e /written && echo SVC-"+nonce)),
		false, overlayRuntime("containers/services/svc", "containers/onboot/001-ovl"))

	initrd := filepath.Join(t.TempDir(), "initrd.img")
	pack := exec.Command("sh", "-c", `find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -1 > "$1"`, "sh", initrd)
	pack.Dir = root
	if out, err := pack.CombinedOutput(); err != nil {
		t.Fatalf("cpio | gzip: %v\n%s", err, out)
	}
	fi, err := os.Stat(initrd)
	if err != nil {
		t.Fatal(err)
	}
	prepared := time.Since(start)

	c := Boot(t, BootOptions{Kernel: kernel, Initrd: initrd, Append: DefaultAppend + " quiet"})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := c.WaitFor(ctx, Marker("HELLO-"+nonce)); err != nil {
		t.Fatal(err)
	}
	toMarker := c.Elapsed()
	out, err := c.WaitExit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("images+push %s, initrd ready %s (%d bytes), QEMU start → HELLO marker %s, → poweroff %s",
		pushed.Round(time.Millisecond), prepared.Round(time.Millisecond), fi.Size(), toMarker, c.Elapsed())

	for _, want := range []string{
		`HELLO-` + nonce + `\n`,
		`CapEff:\s+0000000000000400\n0\nhello\n`, // one capability, uid 0, own hostname
		`MKDIR-` + nonce,                         // runtime.json mkdir, then bound in by config.json
		`RUNC-DONE rc=0 id=000-hello`,
		`OVL-WRITE-` + nonce, `OVL-MOUNT-` + nonce, // writable overlay root
		`RUNC-DONE rc=0 id=001-ovl`,
		`DUP-` + nonce, `RUNC-DONE rc=0 id=002-dup`,
		`ONBOOT-DONE`,
		`SVC-` + nonce, `SERVICE-DONE rc=0 id=svc`, `SERVICES-DONE`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("serial log lacks %q", want)
		}
	}
	// Order: onboot bundles in name order, services after ONBOOT-DONE.
	if i, j := strings.Index(out, "id=000-hello"), strings.Index(out, "id=001-ovl"); i < 0 || j < i {
		t.Errorf("onboot bundles did not run in order")
	}
	if i, j := strings.Index(out, "ONBOOT-DONE"), strings.Index(out, "SVC-"+nonce); j < i {
		t.Errorf("service ran before ONBOOT-DONE")
	}
	if t.Failed() || os.Getenv("TESTRIG_VERBOSE") != "" {
		t.Logf("serial log:\n%s", out)
	}
}

// newNonce returns 8 random bytes in hex: a marker no fixture can know in advance.
func newNonce(t testing.TB) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
