package boottest

import (
	"fmt"
	"runtime"
)

// Accelerators, as QEMU's -accel names them.
const (
	AccelAuto = ""    // KVM or HVF when usable for the guest, else TCG
	AccelKVM  = "kvm" // Linux
	AccelHVF  = "hvf" // macOS
	AccelTCG  = "tcg" // emulation: always there, slowest
)

// AccelEnv is the environment variable the builder's boot_test `accel`
// falls back to, for hosts (CI runners, nested VMs) where /dev/kvm opens but
// does not run a guest.
const AccelEnv = "LINUXKIT_BOOT_TEST_ACCEL"

// ParseAccel checks an accelerator name ("auto" is AccelAuto).
func ParseAccel(s string) (string, error) {
	switch s {
	case "", "auto":
		return AccelAuto, nil
	case AccelKVM, AccelHVF, AccelTCG:
		return s, nil
	}
	return "", fmt.Errorf("%q is not one of auto, kvm, hvf, tcg", s)
}

// SelectAccel returns the accelerator for a guest of arch: want when it is
// set, else KVM when /dev/kvm opens read-write on Linux, HVF when the
// hypervisor framework is there on macOS (both only for a guest of the
// host's architecture), else TCG.
func SelectAccel(want, arch string) string {
	if want != AccelAuto {
		return want
	}
	if arch != runtime.GOARCH {
		return AccelTCG
	}
	if a := hostAccel(); a != "" {
		return a
	}
	return AccelTCG
}
