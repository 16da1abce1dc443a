package initrd

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// UCodePath is where the kernel's early microcode loader looks for Intel microcode inside
// the uncompressed cpio archive placed first in the initrd.
const UCodePath = "kernel/x86/microcode/GenuineIntel.bin"

// defaultEpoch is LinuxKit's fixed timestamp for everything it generates.
var defaultEpoch = time.Date(2017, 4, 18, 16, 30, 0, 0, time.UTC)

// WriteUCode writes an uncompressed newc cpio archive holding size bytes of Intel microcode
// read from ucode, as kernel/x86/microcode/GenuineIntel.bin (with its parent directories).
// The kernel's early loader only reads microcode from an uncompressed archive at the very
// start of the initrd, so the media writers put this archive before the gzipped one, the
// way linuxkit prepends a kernel image's ucode.
//
// A linuxkit kernel image's "ucode" file is usually such an archive already
// (intel-ucode.cpio); that one is prepended as it is. WriteUCode is for a raw microcode blob.
// Times are 2017-04-18T16:30:00Z, or $SOURCE_DATE_EPOCH when set.
func WriteUCode(dst io.Writer, ucode io.Reader, size int64) error {
	mtime, err := epoch()
	if err != nil {
		return err
	}
	cw := NewCPIOWriter(dst)
	for _, dir := range []string{"kernel", "kernel/x86", "kernel/x86/microcode"} {
		if err := cw.WriteHeader(&Header{Name: dir, Mode: TypeDir | 0o755, ModTime: mtime}); err != nil {
			return fmt.Errorf("initrd: ucode: %w", err)
		}
	}
	if err := cw.WriteHeader(&Header{Name: UCodePath, Mode: TypeReg | 0o644, ModTime: mtime, Size: size}); err != nil {
		return fmt.Errorf("initrd: ucode: %w", err)
	}
	n, err := io.Copy(cw, io.LimitReader(ucode, size))
	if err != nil {
		return fmt.Errorf("initrd: ucode: %w", err)
	}
	if n != size {
		return fmt.Errorf("initrd: ucode: got %d bytes, expected %d", n, size)
	}
	if extra, _ := ucode.Read(make([]byte, 1)); extra > 0 {
		return fmt.Errorf("initrd: ucode: longer than the %d bytes announced", size)
	}
	if err := cw.Close(); err != nil {
		return fmt.Errorf("initrd: ucode: %w", err)
	}
	return nil
}

// epoch returns the timestamp for generated entries: $SOURCE_DATE_EPOCH when set (the
// reproducible-builds convention), else LinuxKit's 2017-04-18T16:30:00Z.
func epoch() (uint32, error) {
	v := os.Getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return uint32(defaultEpoch.Unix()), nil
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("initrd: SOURCE_DATE_EPOCH=%q is not a Unix time that fits newc's 32 bits: %w", v, err)
	}
	return uint32(n), nil
}
