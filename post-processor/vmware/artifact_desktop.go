package vmware

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"

	vmwdesktop "github.com/seed844b7c54/packer-plugin-linuxkit/internal/desktop"
)

// BuilderID identifies the artifacts of this post-processor.
const BuilderID = "seed844b7c54.linuxkit-vmware"

// State keys of a desktop artifact (besides HCP Packer's
// par.artifact.metadata).
const (
	// StateVMName is the VM's name (vm_name), a string.
	StateVMName = "vm_name"
	// StateVMXPath is the absolute path of the VM's .vmx, a string.
	StateVMXPath = "vmx_path"
	// StateIP is the guest's IP address, a string, set only when
	// wait_for_ip found one.
	StateIP = "ip"
	// StateTarget is "fusion" or "workstation".
	StateTarget = "target"
	// StateSpecDigest is the spec digest of the input artifact, passed on so
	// later post-processors can tell which image the VM runs.
	StateSpecDigest = "spec_digest"
)

// HCPProviderDesktop is the HCP Packer provider of desktop artifacts.
const HCPProviderDesktop = "vmware-desktop"

// DesktopArtifact is a VM made on VMware Fusion or Workstation: a folder
// holding its .vmx, its disks or ISO, and usually its console log.
//
// Destroy removes the whole VM folder; a VM still running from it is stopped
// hard first, since VMware would otherwise keep its files open.
type DesktopArtifact struct {
	Dir        string // the VM folder, absolute
	VMXPath    string // Dir/<vm_name>.vmx
	VMName     string
	Target     string // "fusion" or "workstation"
	IP         string // the guest's IP address when wait_for_ip found one
	SpecDigest string // the input artifact's spec digest
	BootMedia  string // "disk" or "iso"
	Running    bool   // the VM was left running (keep_running)

	vmrun *vmwdesktop.Vmrun // stops the VM in Destroy; nil when unknown
}

func newDesktopArtifact(r *desktopRun) *DesktopArtifact {
	return &DesktopArtifact{
		Dir:        r.dir,
		VMXPath:    r.vmxPath,
		VMName:     r.cfg.VMName,
		Target:     r.cfg.Target,
		IP:         r.ip,
		SpecDigest: r.in.SpecDigest,
		BootMedia:  r.bootMedia,
		Running:    r.started && !r.stopped,
		vmrun:      r.vmrun,
	}
}

// BuilderId returns BuilderID.
func (a *DesktopArtifact) BuilderId() string { return BuilderID }

// Files returns the files in the VM folder when asked, sorted: VMware adds
// some of its own (nvram, logs) once the VM has run.
func (a *DesktopArtifact) Files() []string {
	entries, err := os.ReadDir(a.Dir)
	if err != nil {
		return nil
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			files = append(files, filepath.Join(a.Dir, e.Name()))
		}
	}
	sort.Strings(files)
	return files
}

// Id returns the path of the .vmx.
func (a *DesktopArtifact) Id() string { return a.VMXPath }

// String describes the VM for Packer's UI.
func (a *DesktopArtifact) String() string {
	product := "VMware Workstation"
	if a.Target == TargetFusion {
		product = "VMware Fusion"
	}
	s := fmt.Sprintf("%s VM %q: %s", product, a.VMName, a.VMXPath)
	switch {
	case a.Running && a.IP != "":
		s += fmt.Sprintf(" (running, IP address %s)", a.IP)
	case a.Running:
		s += " (running)"
	default:
		s += " (stopped)"
	}
	return s
}

// State returns the values later post-processors and HCP Packer read.
func (a *DesktopArtifact) State(name string) interface{} {
	switch name {
	case StateVMName:
		return a.VMName
	case StateVMXPath:
		return a.VMXPath
	case StateIP:
		if a.IP == "" {
			return nil
		}
		return a.IP
	case StateTarget:
		return a.Target
	case StateSpecDigest:
		return a.SpecDigest
	case registryimage.ArtifactStateURI:
		img, err := registryimage.FromArtifact(a,
			registryimage.WithProvider(HCPProviderDesktop),
			registryimage.WithID(a.VMXPath),
			registryimage.WithSourceID(a.SpecDigest),
			registryimage.SetLabels(map[string]interface{}{
				"spec_digest": a.SpecDigest,
				"target":      a.Target,
				"vm_name":     a.VMName,
				"boot_media":  a.BootMedia,
			}),
		)
		if err != nil {
			return nil
		}
		return img
	}
	return nil
}

// Destroy stops the VM hard if it runs, then removes the VM folder.
func (a *DesktopArtifact) Destroy() error {
	if a.vmrun != nil && a.VMXPath != "" {
		ctx, cancel := context.WithTimeout(context.Background(), desktopCleanupTimeout)
		defer cancel()
		if running, err := a.vmrun.IsRunning(ctx, a.VMXPath); err == nil && running {
			if err := a.vmrun.Stop(ctx, a.VMXPath, true); err != nil {
				return fmt.Errorf("stopping the VM before removing it: %w", err)
			}
		}
	}
	if a.Dir == "" {
		return nil
	}
	if err := os.RemoveAll(a.Dir); err != nil {
		return fmt.Errorf("removing the VM folder: %w", err)
	}
	return nil
}
