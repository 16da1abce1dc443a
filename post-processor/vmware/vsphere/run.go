package vsphere

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path"
	"strconv"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	vsdriver "github.com/seed844b7c54/packer-plugin-linuxkit/internal/vsphere"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// State-bag keys of a vSphere run: what each step made, for the steps after
// it, their cleanups and the artifact.
const (
	stateDriver     = "driver"      // *vsdriver.Driver, set by stepConnect
	stateTarget     = "placement"   // *vsdriver.Target, set by stepPlacement
	stateISOPath    = "iso_path"    // string, "[ds] folder/file.iso", set by stepUploadISO
	stateStreamVMDK = "stream_vmdk" // string, the streamOptimized vmdk to import
	stateVM         = "vm"          // *object.VirtualMachine, set by stepCreate
	stateInfo       = "vm_info"     // *vsdriver.VMInfo, set by stepCreate
	stateIP         = "ip"          // string, set by stepWaitIP
	stateItemID     = "item_id"     // string, the content library item's id, set by stepLibrary
	stateDestroyed  = "destroyed"   // bool, content_library.destroy removed the VM
	stateTemplate   = "template"    // bool, set by stepTemplate
)

// cleanupTimeout bounds a cleanup's calls to vCenter, which run after the
// build's context may have been cancelled.
const cleanupTimeout = 5 * time.Minute

// Run makes a vSphere VM, template or content library item from source: the
// steps below, run through commonsteps.NewRunner so -debug and -on-error
// behave as in every Packer plugin. On failure or cancellation the steps'
// cleanups remove what this run created: the VMs tagged with its build id,
// the files it uploaded, the library item it published.
func Run(ctx context.Context, ui packersdk.Ui, source packersdk.Artifact, job common.Job, c VSphereConfig) (*Artifact, error) {
	in, hw, err := job.Begin(source)
	if err != nil {
		return nil, err
	}
	c.ResolveDerived(&hw)
	firmware, media, src, convert, err := chooseMedium(&hw, in)
	if err != nil {
		return nil, err
	}
	buildID, err := newBuildID()
	if err != nil {
		return nil, err
	}
	cl := &cleaner{buildID: buildID, conn: c.connect(), placement: c.placement()}
	cl.placement.Networks, cl.placement.VMName = nicNetworks(&hw), hw.VMName
	state := common.NewState(ui)
	if media == "disk" && !convert {
		state.Put(stateStreamVMDK, src)
	}
	steps := []multistep.Step{
		&stepConnect{conn: cl.conn},
		&stepPlacement{placement: cl.placement},
		&stepCheckName{vmName: hw.VMName, overwrite: c.Overwrite},
	}
	if len(c.Tags) > 0 {
		steps = append(steps, &stepResolveTags{tags: c.tags(), create: c.CreateTags})
	}
	switch {
	case media == "iso":
		steps = append(steps, &stepUploadISO{
			src:     src,
			dsName:  path.Join(c.UploadPath, isoUploadName(hw.VMName, in.SpecDigest, firmware)),
			sum:     builderSHA256(in, src),
			cleaner: cl,
		})
	case convert:
		steps = append(steps, &stepConvertDisk{src: src, out: convertedVMDKPath(hw.OutputDirectory, src, in.Name, hw.VMName)})
	}
	steps = append(steps, &stepCreate{spec: vmSpec(&hw, &c, firmware, buildID), iso: media == "iso", in: in, cleaner: cl})
	return runRest(ctx, ui, job, state, steps, &hw, &c, in)
}

// chooseMedium picks, before anything is contacted, the firmware of the VM
// (the firmware option, else what the artifact's media boot with) and the
// artifact's medium of that firmware it boots from. vSphere runs amd64
// guests only, so an arm64 artifact is an error here.
func chooseMedium(hw *common.HardwareConfig, in *common.Input) (firmware, media, src string, convert bool, err error) {
	if in.Arch != artifact.ArchAMD64 {
		return "", "", "", false, fmt.Errorf("the artifact is built for %s, and target \"vsphere\" makes amd64 VMs only: "+
			"build with arch = \"amd64\", or use target \"fusion\" on an Apple silicon Mac for arm64 images", in.Arch)
	}
	if firmware, err = in.PickFirmware(hw.Firmware, hw.BootMedia); err != nil {
		return "", "", "", false, err
	}
	media, src, convert, err = bootSource(hw.BootMedia, in, common.FormatsFor(firmware))
	return firmware, media, src, convert, err
}

// runRest appends the optional steps, each only when its option asks for
// it, runs them all and describes the result.
func runRest(ctx context.Context, ui packersdk.Ui, job common.Job, state multistep.StateBag, steps []multistep.Step,
	hw *common.HardwareConfig, c *VSphereConfig, in *common.Input) (*Artifact, error) {
	finalizes := c.ConvertToTemplate || c.ContentLibrary != nil // both need the VM off, without serial ports
	if c.PowerOn {
		steps = append(steps, &stepPowerOn{vmName: hw.VMName})
	}
	if hw.WaitForIP {
		steps = append(steps, &stepWaitIP{wait: c.ipWait(hw.IPWaitTimeout)})
	}
	if c.PowerOn && finalizes {
		steps = append(steps, &stepShutdown{vmName: hw.VMName, timeout: c.ShutdownTimeout})
	}
	if common.BoolOr(hw.SerialLog, true) && finalizes {
		steps = append(steps, &stepSerial{})
	}
	if cl := c.ContentLibrary; cl != nil {
		steps = append(steps, &stepLibrary{vmName: hw.VMName, destroy: cl.Destroy, item: vsdriver.LibraryItem{
			Library:     cl.Library,
			Name:        cl.Name,
			Description: cl.Description,
			OVF:         cl.OVF,
			Overwrite:   c.Overwrite,
			Flags:       cl.ovfFlags(hw, c.ConfigurationParameters),
		}})
	}
	if c.ConvertToTemplate {
		steps = append(steps, &stepTemplate{vmName: hw.VMName})
	}
	if len(c.Tags) > 0 {
		steps = append(steps, &stepAttachTags{})
	}
	if err := common.RunSteps(ctx, job.Packer, ui, state, steps); err != nil {
		return nil, err
	}
	return newArtifact(state, hw.VMName, in), nil
}

// connect is how the engine reaches vCenter, from the connection options.
func (c *VSphereConfig) connect() vsdriver.ConnectConfig {
	return vsdriver.ConnectConfig{
		Server:   c.VCenterServer,
		Username: c.Username,
		Password: c.Password,
		Insecure: common.BoolOr(c.InsecureConnection, false),
		CAFile:   c.CAFile,
		Logf:     common.Logf,
	}
}

// placement is where the engine puts the VM, from the placement options.
func (c *VSphereConfig) placement() vsdriver.Placement {
	return vsdriver.Placement{
		Datacenter:       c.Datacenter,
		Cluster:          c.Cluster,
		Host:             c.Host,
		ResourcePool:     c.ResourcePool,
		Datastore:        c.Datastore,
		Folder:           c.Folder,
		Network:          c.Network,
		CreateFolder:     c.CreateFolder,
		DatastoreCluster: c.DatastoreCluster,
	}
}

// vmSpec turns the configuration into the engine's VMSpec; the create step
// adds the ISO's datastore path.
func vmSpec(hw *common.HardwareConfig, c *VSphereConfig, firmware, buildID string) vsdriver.VMSpec {
	spec := vsdriver.VMSpec{
		Name:           hw.VMName,
		BuildID:        buildID,
		CPUs:           hw.CPUs,
		MemoryMB:       int64(hw.Memory),
		Firmware:       firmware,
		GuestID:        hw.GuestOSType,
		DiskController: hw.DiskControllerType,
		NetworkAdapter: hw.NetworkAdapterType,
		ExtraDisks:     hw.DiskSizes(),
		Notes:          c.Notes,
		ExtraConfig:    c.ConfigurationParameters,
		GuestInfo:      hw.GuestInfo,
		SerialLog:      common.BoolOr(hw.SerialLog, true),
	}
	if hw.HardwareVersion > 0 {
		spec.HardwareVersion = strconv.Itoa(hw.HardwareVersion)
	}
	spec.Hardware, spec.NICs = c.hardware(), nics(hw)
	if len(spec.NICs) > 0 {
		spec.NetworkAdapter = spec.NICs[0].Adapter // an imported VM's first NIC is the OVF's
	}
	return spec
}

// newBuildID returns a fresh random id for one run. It only tags the VMs the
// run creates (for cleanup); it never reaches an output file, so builds stay
// reproducible.
func newBuildID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("making a build id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// cleanupContext is the context of a cleanup: not cancelled with the build,
// but bounded.
func cleanupContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), cleanupTimeout)
}

// cleaner removes what one run made, found by the run's build id: the steps
// that create something share it.
type cleaner struct {
	// buildID tags every VM this run creates (vsdriver.BuildIDKey), so a
	// cleanup finds exactly them, even over a new connection.
	buildID   string
	conn      vsdriver.ConnectConfig
	placement vsdriver.Placement
}

// cleanup removes the VMs and templates tagged with the run's build id and
// the datastore files listed, over the run's session; when that fails (the
// connection dropped, the session expired) it logs in again and retries
// with vsdriver.ReconnectAndCleanup.
func (c *cleaner) cleanup(state multistep.StateBag, files []string) {
	ctx, cancel := cleanupContext()
	defer cancel()
	d, _ := state.GetOk(stateDriver)
	t, _ := state.GetOk(stateTarget)
	driver, _ := d.(*vsdriver.Driver)
	target, _ := t.(*vsdriver.Target)
	var err error
	if driver != nil && target != nil {
		if err = driver.Cleanup(ctx, target, c.buildID, files); err == nil {
			return
		}
		common.Logf("cleanup over the build's session failed (%v); reconnecting", err)
	}
	if err = vsdriver.ReconnectAndCleanup(ctx, c.conn, c.placement, c.buildID, files); err != nil {
		common.UI(state).Error(fmt.Sprintf("Cleanup of build %s was incomplete: %v; remove the VMs whose extraConfig %s is %s by hand",
			c.buildID, err, vsdriver.BuildIDKey, c.buildID))
	}
}
