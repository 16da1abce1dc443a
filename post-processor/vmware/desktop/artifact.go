package desktop

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"

	vmwdesktop "github.com/seed844b7c54/packer-plugin-linuxkit/internal/desktop"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// StateVMXPath is the state key of the absolute path of the VM's .vmx, a
// string; a desktop artifact also has common's StateVMName, StateIP,
// StateTarget ("fusion" or "workstation") and StateSpecDigest.
const StateVMXPath = "vmx_path"

// HCPProvider is the HCP Packer provider of desktop artifacts.
const HCPProvider = "vmware-desktop"

// Artifact is a VM made on VMware Fusion or Workstation: a folder
// holding its .vmx, its disks or ISO, and usually its console log.
//
// Destroy removes the whole VM folder; a VM still running from it is stopped
// hard first, since VMware would otherwise keep its files open.
type Artifact struct {
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

// newArtifact describes what a successful run's steps made.
func newArtifact(state multistep.StateBag, target, vmName string, in *common.Input) *Artifact {
	return &Artifact{
		Dir:        common.StateString(state, stateDir),
		VMXPath:    common.StateString(state, stateVMX),
		VMName:     vmName,
		Target:     target,
		IP:         common.StateString(state, stateIP),
		SpecDigest: in.SpecDigest,
		BootMedia:  state.Get(stateBoot).(bootMedium).media,
		Running:    common.StateBool(state, stateStarted) && !common.StateBool(state, stateStopped),
		vmrun:      state.Get(stateVmrun).(*vmwdesktop.Vmrun),
	}
}

// BuilderId returns common.BuilderID.
func (a *Artifact) BuilderId() string { return common.BuilderID }

// Files returns the files in the VM folder when asked, sorted: VMware adds
// some of its own (nvram, logs) once the VM has run. The folder's ownership
// marker (safeio.OwnedMarker) is not one of the VM's files.
func (a *Artifact) Files() []string {
	entries, err := os.ReadDir(a.Dir)
	if err != nil {
		return nil
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() && e.Name() != safeio.OwnedMarker {
			files = append(files, filepath.Join(a.Dir, e.Name()))
		}
	}
	sort.Strings(files)
	return files
}

// Id returns the path of the .vmx.
func (a *Artifact) Id() string { return a.VMXPath }

// String describes the VM for Packer's UI.
func (a *Artifact) String() string {
	product := "VMware Workstation"
	if a.Target == common.TargetFusion {
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
func (a *Artifact) State(name string) interface{} {
	switch name {
	case common.StateVMName:
		return a.VMName
	case StateVMXPath:
		return a.VMXPath
	case common.StateIP:
		if a.IP == "" {
			return nil
		}
		return a.IP
	case common.StateTarget:
		return a.Target
	case common.StateSpecDigest:
		return a.SpecDigest
	case registryimage.ArtifactStateURI:
		img, err := registryimage.FromArtifact(a,
			registryimage.WithProvider(HCPProvider),
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
func (a *Artifact) Destroy() error {
	if a.vmrun != nil && a.VMXPath != "" {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
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
