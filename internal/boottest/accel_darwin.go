package boottest

import "golang.org/x/sys/unix"

// hostAccel is HVF when the kernel reports the hypervisor framework.
func hostAccel() string {
	if v, err := unix.SysctlUint32("kern.hv_support"); err == nil && v == 1 {
		return AccelHVF
	}
	return ""
}
