package vmware

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/vmware/govmomi/object"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vsphere"
)

// stateVSphereRun is the state-bag key of the vSphere run (*vsphereRun). The
// "ui" and "error" keys are shared with the desktop run.
const stateVSphereRun = "vsphere_run"

// vsphereCleanupTimeout bounds a cleanup's calls to vCenter, which run after
// the build's context may have been cancelled.
const vsphereCleanupTimeout = 5 * time.Minute

// vsphereRun is what the vSphere steps share: the resolved configuration and
// the input, then what each step made. Steps fill it in order.
type vsphereRun struct {
	cfg *Config
	in  *artifactInput

	// buildID tags every VM this run creates (vsphere.BuildIDKey), so a
	// cleanup finds exactly them, even over a new connection.
	buildID   string
	conn      vsphere.ConnectConfig
	placement vsphere.Placement

	// Resolved before the steps run (vsphereBootSource).
	bootMedia string // "iso" or "disk"
	bootSrc   string // the artifact's ISO, vmdk or raw disk
	convert   bool   // bootSrc is a raw disk to convert to streamOptimized

	// Set by the steps.
	driver     *vsphere.Driver
	target     *vsphere.Target
	isoPath    string   // the ISO's datastore path, "[ds] folder/file.iso"
	uploaded   []string // datastore paths this run wrote to (never others)
	streamVMDK string   // the streamOptimized vmdk to import
	vm         *object.VirtualMachine
	info       *vsphere.VMInfo
	poweredOn  bool
	ip         string
	template   bool
	itemID     string // the content library item's id
	destroyed  bool   // content_library.destroy removed the VM
}

// runVSphere makes a vSphere VM, template or content library item from
// source: the steps below, run through commonsteps.NewRunner so -debug and
// -on-error behave as in every Packer plugin. On failure or cancellation the
// steps' cleanups remove what this run created: the VMs tagged with its
// build id, the files it uploaded, the library item it published.
func (p *PostProcessor) runVSphere(ctx context.Context, ui packersdk.Ui, source packersdk.Artifact) (packersdk.Artifact, error) {
	in, err := readArtifactInput(source)
	if err != nil {
		return nil, err
	}
	cfg := p.config // a copy: a post-processor may run once per build
	cfg.ResolveNames(in.Name)
	if cfg.VMName == "" {
		return nil, errors.New("vm_name is empty and neither the artifact's name nor the build's name can stand in for it; set vm_name")
	}
	if err := checkVMName(cfg.VMName); err != nil {
		return nil, fmt.Errorf("the VM name taken from the artifact: %w; set vm_name", err)
	}
	if cfg.Firmware != "" && cfg.Firmware != in.Firmware {
		return nil, fmt.Errorf("firmware %q does not match the artifact's firmware %q: "+
			"the image boots only with the firmware it was built for; remove firmware or set it to %q",
			cfg.Firmware, in.Firmware, in.Firmware)
	}
	media, src, convert, err := vsphereBootSource(cfg.BootMedia, in)
	if err != nil {
		return nil, err
	}
	buildID, err := newBuildID()
	if err != nil {
		return nil, err
	}
	run := &vsphereRun{
		cfg: &cfg, in: in, buildID: buildID,
		bootMedia: media, bootSrc: src, convert: convert,
		conn: vsphere.ConnectConfig{
			Server:   cfg.VCenterServer,
			Username: cfg.Username,
			Password: cfg.Password,
			Insecure: boolOr(cfg.InsecureConnection, false),
			CAFile:   cfg.CAFile,
			Logf:     vsphereLogf,
		},
		placement: vsphere.Placement{
			Datacenter:   cfg.Datacenter,
			Cluster:      cfg.Cluster,
			Host:         cfg.Host,
			ResourcePool: cfg.ResourcePool,
			Datastore:    cfg.Datastore,
			Folder:       cfg.Folder,
			Network:      cfg.Network,
		},
	}

	state := new(multistep.BasicStateBag)
	state.Put(stateDesktopUI, ui)
	state.Put(stateVSphereRun, run)
	steps := []multistep.Step{
		&stepVSphereConnect{},
		&stepVSpherePlacement{},
		&stepVSphereCheckName{},
		&stepVSphereMedia{},
		&stepVSphereCreate{},
		&stepVSpherePowerOn{},
		&stepVSphereWaitIP{},
		&stepVSphereShutdown{},
		&stepVSphereSerial{},
		&stepVSphereLibrary{},
		&stepVSphereTemplate{},
	}
	if err := runSteps(ctx, cfg.PackerConfig, ui, state, steps); err != nil {
		return nil, err
	}
	return newVSphereArtifact(run), nil
}

// vsphereState returns the shared run and the UI.
func vsphereState(state multistep.StateBag) (*vsphereRun, packersdk.Ui) {
	return state.Get(stateVSphereRun).(*vsphereRun), state.Get(stateDesktopUI).(packersdk.Ui)
}

// vsphereHalt is desktopHalt: it records err, shows it and halts.
func vsphereHalt(state multistep.StateBag, err error) multistep.StepAction {
	return desktopHalt(state, err)
}

// vsphereFailed reports whether the run was cancelled or halted, the only
// case in which the steps' cleanups undo their work.
func vsphereFailed(state multistep.StateBag) bool { return desktopFailed(state) }

// vsphereLogf sends the engine's progress lines to Packer's log
// (PACKER_LOG=1). The engine never puts a password in them, and Configure
// registered the password with Packer's log filter besides.
func vsphereLogf(format string, args ...any) { log.Printf("[INFO] linuxkit-vmware: "+format, args...) }

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
	return context.WithTimeout(context.Background(), vsphereCleanupTimeout)
}

// cleanup removes the VMs and templates tagged with the run's build id and
// the datastore files listed, over the run's session; when that fails (the
// connection dropped, the session expired) it logs in again and retries
// with vsphere.ReconnectAndCleanup.
func (r *vsphereRun) cleanup(ui packersdk.Ui, files []string) {
	ctx, cancel := cleanupContext()
	defer cancel()
	var err error
	if r.driver != nil && r.target != nil {
		if err = r.driver.Cleanup(ctx, r.target, r.buildID, files); err == nil {
			return
		}
		vsphereLogf("cleanup over the build's session failed (%v); reconnecting", err)
	}
	if err = vsphere.ReconnectAndCleanup(ctx, r.conn, r.placement, r.buildID, files); err != nil {
		ui.Error(fmt.Sprintf("Cleanup of build %s was incomplete: %v; remove the VMs whose extraConfig %s is %s by hand",
			r.buildID, err, vsphere.BuildIDKey, r.buildID))
	}
}
