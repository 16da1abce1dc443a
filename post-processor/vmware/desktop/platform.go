package desktop

import "runtime"

// Host is the machine the plugin runs on, as the desktop checks see it: the
// operating system and the CPU, "arm64" on an Apple silicon Mac even for an
// amd64 plugin binary running under Rosetta 2.
type Host struct {
	OS   string // runtime.GOOS values: darwin, linux, windows
	Arch string // runtime.GOARCH values: amd64, arm64
}

// AppleSilicon reports whether h is an Apple silicon Mac, where VMware Fusion
// runs only arm64 EFI guests.
func (h Host) AppleSilicon() bool { return h.OS == "darwin" && h.Arch == "arm64" }

// DetectHost returns the host the plugin runs on. It is a variable so tests,
// in this package and in the post-processor's, can play any host.
var DetectHost = func() Host {
	arch := runtime.GOARCH
	if hostIsAppleSilicon() {
		arch = "arm64"
	}
	return Host{OS: runtime.GOOS, Arch: arch}
}
