//go:build !darwin

package vmware

// hostIsAppleSilicon is false on every system but macOS.
func hostIsAppleSilicon() bool { return false }
