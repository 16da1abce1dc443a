package boottest

import "os"

// hostAccel is KVM when /dev/kvm opens read-write.
func hostAccel() string {
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		return ""
	}
	_ = f.Close()
	return AccelKVM
}
