package vsphere

import (
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"

	vsdriver "github.com/seed844b7c54/packer-plugin-linuxkit/internal/vsphere"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// State keys of a vSphere artifact, besides common's StateVMName, StateIP,
// StateTarget and StateSpecDigest (shared with the desktop artifact) and
// HCP Packer's par.artifact.metadata.
const (
	// StateDatacenter is the datacenter's name, a string.
	StateDatacenter = "datacenter"
	// StateVMUUID is the VM's BIOS UUID (config.uuid), a string.
	StateVMUUID = "vm_uuid"
	// StateInventoryPath is the VM's or template's inventory path
	// ("/DC0/vm/name"), a string; empty when content_library.destroy removed
	// the VM.
	StateInventoryPath = "inventory_path"
	// StateContentLibraryItem is the content library item's id, a string, set
	// only when the VM was published.
	StateContentLibraryItem = "content_library_item"
	// StateTemplate is true when the VM was marked as a template.
	StateTemplate = "template"
)

// HCPProvider is the HCP Packer provider of vSphere artifacts.
const HCPProvider = "vsphere"

// Artifact is what the vsphere target made: a VM or template in the
// inventory, a content library item, or both.
//
// Destroy removes nothing: a template or a library item is meant to outlive
// the build, and Packer calls Destroy on a post-processor's artifact only in
// ways (a later post-processor failing) that must not remove it. Delete it in
// vSphere when it is no longer wanted.
type Artifact struct {
	VMName        string
	Datacenter    string
	Datastore     string
	InventoryPath string // empty when content_library.destroy removed the VM
	UUID          string
	Template      bool
	IP            string // the guest's IP address when wait_for_ip found one
	LibraryItemID string // the content library item, when published
	SpecDigest    string // the input artifact's spec digest
	ISOPath       string // the ISO's datastore path, with boot_media "iso"
}

// newArtifact describes what a successful run's steps made.
func newArtifact(state multistep.StateBag, vmName string, in *common.Input) *Artifact {
	a := &Artifact{
		VMName:        vmName,
		Template:      common.StateBool(state, stateTemplate),
		IP:            common.StateString(state, stateIP),
		LibraryItemID: common.StateString(state, stateItemID),
		SpecDigest:    in.SpecDigest,
		ISOPath:       common.StateString(state, stateISOPath),
	}
	if v, ok := state.GetOk(stateTarget); ok {
		t := v.(*vsdriver.Target)
		a.Datacenter = t.Datacenter.Name()
		a.Datastore = t.Datastore.Name()
	}
	if v, ok := state.GetOk(stateInfo); ok && !common.StateBool(state, stateDestroyed) { // a removed VM has no path nor uuid
		info := v.(*vsdriver.VMInfo)
		a.UUID = info.UUID
		a.InventoryPath = info.InventoryPath
	}
	return a
}

// BuilderId returns common.BuilderID.
func (a *Artifact) BuilderId() string { return common.BuilderID }

// Files returns nothing: the artifact lives in vSphere, not on this machine.
func (a *Artifact) Files() []string { return nil }

// Id returns the inventory path of the VM or template, or the content
// library item's id when the VM itself was removed after publishing.
func (a *Artifact) Id() string {
	if a.InventoryPath != "" {
		return a.InventoryPath
	}
	return a.LibraryItemID
}

// String describes the result for Packer's UI.
func (a *Artifact) String() string {
	kind := "VM"
	if a.Template {
		kind = "template"
	}
	var s string
	if a.InventoryPath != "" {
		s = fmt.Sprintf("vSphere %s %q: %s", kind, a.VMName, a.InventoryPath)
		if a.IP != "" {
			s += fmt.Sprintf(" (IP address %s)", a.IP)
		}
		if a.LibraryItemID != "" {
			s += fmt.Sprintf(", content library item %s", a.LibraryItemID)
		}
		return s
	}
	return fmt.Sprintf("vSphere content library item %s (from the VM %q, removed)", a.LibraryItemID, a.VMName)
}

// State returns the values later post-processors and HCP Packer read.
func (a *Artifact) State(name string) interface{} {
	str := func(s string) interface{} {
		if s == "" {
			return nil
		}
		return s
	}
	switch name {
	case common.StateVMName:
		return a.VMName
	case StateDatacenter:
		return a.Datacenter
	case StateVMUUID:
		return str(a.UUID)
	case StateInventoryPath:
		return str(a.InventoryPath)
	case StateContentLibraryItem:
		return str(a.LibraryItemID)
	case StateTemplate:
		return a.Template
	case common.StateIP:
		return str(a.IP)
	case common.StateTarget:
		return common.TargetVSphere
	case common.StateSpecDigest:
		return a.SpecDigest
	case registryimage.ArtifactStateURI:
		img, err := registryimage.FromArtifact(a,
			registryimage.WithProvider(HCPProvider),
			registryimage.WithID(a.Id()),
			registryimage.WithRegion(a.Datacenter),
			registryimage.WithSourceID(a.SpecDigest),
			registryimage.SetLabels(a.labels()),
		)
		if err != nil {
			return nil
		}
		return img
	}
	return nil
}

// labels are the HCP Packer labels that apply.
func (a *Artifact) labels() map[string]interface{} {
	l := map[string]interface{}{"vm_name": a.VMName}
	for k, v := range map[string]string{
		"spec_digest":          a.SpecDigest,
		"datastore":            a.Datastore,
		"vm_uuid":              a.UUID,
		"content_library_item": a.LibraryItemID,
	} {
		if v != "" {
			l[k] = v
		}
	}
	return l
}

// Destroy removes nothing and returns nil; see Artifact.
func (a *Artifact) Destroy() error { return nil }
