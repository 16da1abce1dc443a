// Package common is what both targets of the linuxkit-vmware post-processor
// share: the hardware options (HardwareConfig), the linuxkit builder's
// artifact as the targets read it (Input), the step runner with its state
// keys, and the small option checks. It knows neither target: the desktop
// and vsphere sub-packages import it, never the other way round.
package common
