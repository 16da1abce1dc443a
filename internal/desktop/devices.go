package desktop

import (
	"fmt"
	"strconv"
)

// controller describes where the disks of a disk_controller_type live.
type controller struct {
	prefix     string // "scsi0", "nvme0", "sata0"
	virtualDev string // scsiN.virtualDev, or "" for controllers without one
	units      []int  // usable unit numbers, in order
}

// controllerFor returns the layout of a validated disk_controller_type.
// SCSI reserves unit 7 for the controller itself; an NVMe controller takes
// 15 namespaces; a SATA controller 30 ports.
func controllerFor(kind string) controller {
	switch kind {
	case "nvme":
		return controller{prefix: "nvme0", units: seq(0, 14, -1)}
	case "sata":
		return controller{prefix: "sata0", units: seq(0, 29, -1)}
	default: // lsilogic, pvscsi
		return controller{prefix: "scsi0", virtualDev: kind, units: seq(0, 15, 7)}
	}
}

// seq returns from..to, leaving out skip.
func seq(from, to, skip int) []int {
	var out []int
	for i := from; i <= to; i++ {
		if i != skip {
			out = append(out, i)
		}
	}
	return out
}

// network writes ethernet0: one adapter, its connection type, and a MAC
// address that VMware generates.
func (c *Config) network(s *setter) {
	if len(c.NICs) > 0 {
		c.nics(s)
		return
	}
	s.set("ethernet0.present", "TRUE")
	s.set("ethernet0.connectionType", c.NetworkType)
	s.set("ethernet0.virtualDev", c.NetworkAdapter)
	s.set("ethernet0.addressType", "generated")
}

// storage writes the disk controller, the boot disk, the extra disks and the
// CD-ROM. Disks take the controller's units in order, boot disk first. The
// CD-ROM sits on ide1:0, except where there is no IDE (arm64) or the disks
// already use SATA: then on the first free sata0 unit (sata0:1 after a
// single SATA boot disk).
func (c *Config) storage(s *setter) error {
	ctl := controllerFor(c.DiskController)
	var disks []string
	if c.BootDisk != "" {
		disks = append(disks, c.BootDisk)
	}
	disks = append(disks, c.ExtraDisks...)
	cdOnSATA := c.ISO != "" && (c.Arch == "arm64" || c.DiskController == "sata")
	capacity := len(ctl.units)
	if cdOnSATA && ctl.prefix == "sata0" {
		capacity-- // the CD-ROM takes a port too
	}
	if len(disks) > capacity {
		return fmt.Errorf("disks: %d disks do not fit on one %s controller (at most %d)", len(disks), c.DiskController, capacity)
	}
	if len(disks) > 0 {
		s.set(ctl.prefix+".present", "TRUE")
		if ctl.virtualDev != "" {
			s.set(ctl.prefix+".virtualDev", ctl.virtualDev)
		}
	}
	for i, d := range disks {
		dev := ctl.prefix + ":" + strconv.Itoa(ctl.units[i])
		s.set(dev+".present", "TRUE")
		s.set(dev+".fileName", d)
	}
	if c.ISO != "" {
		dev := "ide1:0"
		if cdOnSATA {
			unit := 0
			if ctl.prefix == "sata0" {
				unit = ctl.units[len(disks)]
			}
			s.set("sata0.present", "TRUE")
			dev = "sata0:" + strconv.Itoa(unit)
		}
		s.set(dev+".present", "TRUE")
		s.set(dev+".deviceType", "cdrom-image")
		s.set(dev+".fileName", c.ISO)
		s.set(dev+".startConnected", "TRUE")
	}
	if c.Firmware == "bios" {
		order := "hdd"
		if c.ISO != "" {
			order = "cdrom"
		}
		s.set("bios.bootOrder", order)
	}
	return nil
}

// serial connects serial0 to a file that receives the console, when a path
// is given. yieldOnMsrRead keeps a polling guest from spinning a host CPU.
func (c *Config) serial(s *setter) {
	if c.SerialLogPath == "" {
		return
	}
	s.set("serial0.present", "TRUE")
	s.set("serial0.fileType", "file")
	s.set("serial0.fileName", c.SerialLogPath)
	s.set("serial0.yieldOnMsrRead", "TRUE")
	s.set("serial0.startConnected", "TRUE")
}
