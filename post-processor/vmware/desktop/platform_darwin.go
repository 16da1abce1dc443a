//go:build darwin

package desktop

import "syscall"

// hostIsAppleSilicon asks the kernel whether the CPU is arm64. It reads
// hw.optional.arm64 rather than runtime.GOARCH, so an amd64 plugin binary
// running under Rosetta 2 still sees the Apple silicon host it runs on.
func hostIsAppleSilicon() bool {
	v, err := syscall.Sysctl("hw.optional.arm64")
	return err == nil && len(v) > 0 && v[0] == 1
}
