package media

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// TestBootBIOS boots Debian's cloud kernel with a busybox initrd from our images in QEMU (TCG):
// the ISO as a CD (El Torito), the same ISO as a disk (isohybrid MBR) and the raw-bios disk.
// Only the initrd's /init can print the nonce, so seeing it proves isolinux loaded both files.
func TestBootBIOS(t *testing.T) {
	if testing.Short() {
		t.Skip("QEMU boots are skipped in -short mode")
	}
	testrig.Require(t, testrig.QEMUBinary)
	boot := hostBootFiles(t)
	kernel := testrig.Kernel(t)
	nonce := fmt.Sprintf("MEDIA-BOOT-OK-%016x", rand.Uint64())
	initrd := testrig.TinyInitrd(t, nonce)

	dir := t.TempDir()
	k, i := isoFile(t, kernel), isoFile(t, initrd)
	opts := ISOOptions{VolumeID: VolumeID("boot-test"), Boot: boot, Cmdline: "console=ttyS0 panic=-1"}
	iso := filepath.Join(dir, "boot-test.iso")
	writeISOFile(t, iso, k, i, opts)
	raw := filepath.Join(dir, "boot-test-bios.img")
	f, err := os.Create(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteRawBIOS(f, k, i, RawOptions{ISOOptions: opts, DiskSize: 64 << 20}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		opts testrig.BootOptions
	}{
		{"iso as cdrom", testrig.BootOptions{ISO: iso}},
		{"iso as disk", testrig.BootOptions{Disk: iso, DiskFormat: "raw"}},
		{"raw-bios disk", testrig.BootOptions{Disk: raw, DiskFormat: "raw"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // one TCG vCPU each: the three boots share the machine's cores
			tc.opts.MemoryMB = 512
			start := time.Now()
			if _, err := testrig.BootAndWait(context.Background(), t, tc.opts, testrig.Marker(nonce), testrig.BootTimeout); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: nonce on the serial console after %s", tc.name, time.Since(start).Round(time.Millisecond))
		})
	}
}
