//go:build !darwin

package desktop

// hostIsAppleSilicon is false on every system but macOS.
func hostIsAppleSilicon() bool { return false }
