package desktop

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vmdk"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
)

// CreateDisk writes an empty monolithicSparse VMDK of size bytes at path
// (an extra disk of the `disks` option). The file holds only metadata: its
// grains are allocated when the guest writes. size must be a positive
// multiple of 512 (the config layer turns "10G" into bytes).
//
// The disk is written by the project's own VMDK writer (internal/vmdk, with
// its default lsilogic adapter and the descriptor's extent naming path's
// base name) into a temporary file beside path, then renamed into place, so
// path is either absent or a complete disk; an existing file is replaced.
func CreateDisk(path string, size int64) error {
	if size <= 0 || size%512 != 0 {
		return fmt.Errorf("create disk %s: size %d is not a positive multiple of 512 bytes", path, size)
	}
	err := safeio.WriteFile(path, func(f *os.File) error {
		return vmdk.Write(f, strings.NewReader(""), size, vmdk.Options{Compressed: false, ExtentName: filepath.Base(path)})
	})
	if err != nil {
		return fmt.Errorf("create disk %s: %w", path, err)
	}
	return nil
}
