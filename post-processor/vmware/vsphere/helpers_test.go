package vsphere_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vapi/library"
	"github.com/vmware/govmomi/vapi/rest"
	_ "github.com/vmware/govmomi/vapi/simulator" // content library endpoints
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	vsdriver "github.com/seed844b7c54/packer-plugin-linuxkit/internal/vsphere"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// config is a vsphere configuration for the simulator's cluster, plus extra.
func (s *vsSim) config(extra map[string]interface{}) map[string]interface{} {
	return vmwaretest.With(map[string]interface{}{
		"target":              "vsphere",
		"vcenter_server":      s.host,
		"username":            vsUser,
		"password":            vsPassword,
		"insecure_connection": true,
		"datacenter":          "DC0",
		"cluster":             "DC0_C0",
		"datastore":           "LocalDS_0",
		"network":             "VM Network",
	}, extra)
}

// driver logs in to the simulator for the test's own checks.
func (s *vsSim) driver(t *testing.T) (*vsdriver.Driver, *vsdriver.Target) {
	t.Helper()
	ctx := context.Background()
	d, err := vsdriver.Connect(ctx, vsdriver.ConnectConfig{Server: s.host, Username: s.user, Password: s.pass, Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	tg, err := d.FindPlacement(ctx, vsdriver.Placement{Datacenter: "DC0", Cluster: "DC0_C0", Datastore: "LocalDS_0", Network: "VM Network"})
	if err != nil {
		t.Fatal(err)
	}
	return d, tg
}

// vsVM is what a test reads about every VM of the inventory.
type vsVM struct {
	Name     string
	Template bool
	BuildID  string
	Ref      mo.VirtualMachine
}

// vms lists the VMs and templates made by a build (tagged with a build id),
// sorted by name.
func (s *vsSim) vms(t *testing.T) []vsVM {
	t.Helper()
	d, _ := s.driver(t)
	ctx := context.Background()
	c := d.Client()
	v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Destroy(ctx)
	var all []mo.VirtualMachine
	if err := v.Retrieve(ctx, []string{"VirtualMachine"}, []string{"name", "config"}, &all); err != nil {
		t.Fatal(err)
	}
	var out []vsVM
	for _, m := range all {
		if m.Config == nil {
			continue
		}
		var id string
		for _, o := range m.Config.ExtraConfig {
			if ov := o.GetOptionValue(); ov.Key == vsdriver.BuildIDKey {
				id, _ = ov.Value.(string)
			}
		}
		if id == "" && !strings.HasPrefix(m.Name, "lk") {
			continue // the model's own VMs
		}
		out = append(out, vsVM{Name: m.Name, Template: m.Config.Template, BuildID: id, Ref: m})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// dsFiles lists the files under the datastore LocalDS_0's folder dir (the
// simulator keeps a datastore in a local folder), relative to the root.
func (s *vsSim) dsFiles(t *testing.T, dir string) []string {
	t.Helper()
	_, tg := s.driver(t)
	var ds mo.Datastore
	if err := tg.Datastore.Properties(context.Background(), tg.Datastore.Reference(), []string{"info"}, &ds); err != nil {
		t.Fatal(err)
	}
	root := strings.TrimPrefix(ds.Info.GetDatastoreInfo().Url, "file://")
	var files []string
	err := filepath.WalkDir(filepath.Join(root, dir), func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if !e.IsDir() {
			rel, _ := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// library creates a local content library on LocalDS_0 and returns its
// manager and id.
func (s *vsSim) library(t *testing.T, name string) (*library.Manager, string) {
	t.Helper()
	d, tg := s.driver(t)
	ctx := context.Background()
	rc := rest.NewClient(d.Client())
	if err := rc.Login(ctx, url.UserPassword(s.user, s.pass)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Logout(context.Background()) })
	lm := library.NewManager(rc)
	id, err := lm.CreateLibrary(ctx, library.Library{
		Name: name, Type: "LOCAL",
		Storage: []library.StorageBacking{{DatastoreID: tg.Datastore.Reference().Value, Type: "DATASTORE"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return lm, id
}

// inventoryPath returns the inventory path of a VM reference.
func (s *vsSim) inventoryPath(t *testing.T, m mo.VirtualMachine) string {
	t.Helper()
	d, _ := s.driver(t)
	p, err := find.InventoryPath(context.Background(), d.Client(), m.Self)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// vsInput writes an artifact of the linuxkit builder in a temporary folder:
// name.iso (size bytes, any content: the simulator boots nothing) and the
// name.sha256 the builder writes beside its outputs.
func vsInput(t *testing.T, name string, size int) (*packersdk.MockArtifact, string) {
	t.Helper()
	dir := t.TempDir()
	iso := filepath.Join(dir, name+".iso")
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i*7) ^ byte(i>>11)
	}
	if err := os.WriteFile(iso, b, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	sums := filepath.Join(dir, name+".sha256")
	if err := os.WriteFile(sums, []byte(hex.EncodeToString(sum[:])+"  "+name+".iso\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a := vmwaretest.Input(name, map[string]string{artifact.FormatISOBIOS: iso}, false)
	a.FilesValue = append(a.FilesValue, sums)
	return a, iso
}

// vsUI is a Packer UI that records everything and can run a hook on each
// message (to cancel a build at a given point). It fails the test when
// anything it is told holds the password.
type vsUI struct {
	packersdk.Ui
	t       *testing.T
	mu      sync.Mutex
	lines   []string
	errors  []string
	onWrite func(string)
	bars    map[string]*vsBar // progress bars by name, as TrackProgress started them
}

// vsBar is what one progress bar was shown: its total, the bytes read
// through it (as Packer's terminal bar counts them) and whether it closed.
type vsBar struct {
	total, read int64
	closed      bool
}

func newVSUI(t *testing.T) *vsUI {
	return &vsUI{Ui: packersdk.TestUi(t), t: t, bars: map[string]*vsBar{}}
}

// TrackProgress records a progress bar in place of drawing it.
func (u *vsUI) TrackProgress(name string, _, total int64, stream io.ReadCloser) io.ReadCloser {
	u.mu.Lock()
	defer u.mu.Unlock()
	b := &vsBar{total: total}
	u.bars[name] = b
	return &vsBarStream{u: u, b: b, stream: stream}
}

// bar returns a copy of what the bar called name was shown, and whether
// there was one.
func (u *vsUI) bar(name string) (vsBar, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	b, ok := u.bars[name]
	if !ok {
		return vsBar{}, false
	}
	return *b, true
}

// vsBarStream counts the bytes a progress bar reads.
type vsBarStream struct {
	u      *vsUI
	b      *vsBar
	stream io.ReadCloser
}

func (s *vsBarStream) Read(p []byte) (int, error) {
	n, err := s.stream.Read(p)
	s.u.mu.Lock()
	s.b.read += int64(n)
	s.u.mu.Unlock()
	return n, err
}

func (s *vsBarStream) Close() error {
	s.u.mu.Lock()
	s.b.closed = true
	s.u.mu.Unlock()
	return s.stream.Close()
}

func (u *vsUI) record(m string, isErr bool) {
	if strings.Contains(m, vsPassword) {
		u.t.Errorf("the UI was shown the password: %q", m)
	}
	u.mu.Lock()
	u.lines = append(u.lines, m)
	if isErr {
		u.errors = append(u.errors, m)
	}
	hook := u.onWrite
	u.mu.Unlock()
	if hook != nil {
		hook(m)
	}
}

func (u *vsUI) Say(m string)     { u.record(m, false) }
func (u *vsUI) Message(m string) { u.record(m, false) }
func (u *vsUI) Error(m string)   { u.record(m, true) }

func (u *vsUI) text() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return strings.Join(u.lines, "\n")
}

// vsDevices returns the VM's devices.
func vsDevices(v vsVM) object.VirtualDeviceList {
	return object.VirtualDeviceList(v.Ref.Config.Hardware.Device)
}

// String keeps failure messages short.
func (v vsVM) String() string {
	return fmt.Sprintf("%s(template=%v build=%s)", v.Name, v.Template, v.BuildID)
}
