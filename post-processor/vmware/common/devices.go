package common

import "fmt"

// Devices is what a target accepts for the device models: its disk
// controllers, the first being the default, and the hardware version it
// assumes when hardware_version is unset (0: the host decides).
type Devices struct {
	Controllers     []string
	HardwareVersion int
}

// PrepareDevices applies the target's defaults to the device models and
// checks them against the target and the hardware version.
func (c *HardwareConfig) PrepareDevices(target string, d Devices) []error {
	var errs []error
	if c.DiskControllerType == "" {
		c.DiskControllerType = d.Controllers[0]
	} else if err := OneOf("disk_controller_type", c.DiskControllerType, d.Controllers...); err != nil {
		errs = append(errs, fmt.Errorf("%w with target %q", err, target))
	}
	if c.NetworkAdapterType == "" {
		c.NetworkAdapterType = DefaultNetworkAdapterType
	} else if err := OneOf("network_adapter_type", c.NetworkAdapterType, "vmxnet3", "e1000e", "e1000"); err != nil {
		errs = append(errs, err)
	}
	if c.HardwareVersion == 0 {
		c.HardwareVersion = d.HardwareVersion
	}
	if c.HardwareVersion > 0 {
		for _, dev := range []struct{ option, value string }{
			{"disk_controller_type", c.DiskControllerType},
			{"network_adapter_type", c.NetworkAdapterType},
		} {
			if need := minHardwareVersion[dev.value]; c.HardwareVersion < need {
				errs = append(errs, fmt.Errorf("%s %q needs hardware_version %d or later, not %d",
					dev.option, dev.value, need, c.HardwareVersion))
			}
		}
	}
	return errs
}

// minHardwareVersion is the oldest virtual hardware version that has each
// device model; models not listed exist in every supported version.
var minHardwareVersion = map[string]int{
	"vmxnet3": 7,
	"pvscsi":  7,
	"e1000e":  8,
	"sata":    10,
	"nvme":    13,
}
