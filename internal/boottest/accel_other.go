//go:build !linux && !darwin

package boottest

// hostAccel: no accelerator is probed on this system.
func hostAccel() string { return "" }
