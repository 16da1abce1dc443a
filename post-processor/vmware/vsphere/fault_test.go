package vsphere_test

import (
	"context"
	"log"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// wantNothingLeft fails unless the simulator holds no VM of a build and no
// file under upload_path.
func wantNothingLeft(t *testing.T, s *vsSim) {
	t.Helper()
	if vms := s.vms(t); len(vms) != 0 {
		t.Errorf("VMs left behind: %+v", vms)
	}
	if files := s.dsFiles(t, "linuxkit"); len(files) != 0 {
		t.Errorf("files left behind: %v", files)
	}
}

// TestVSphereMissingDatastore stops at the placement, naming the option and
// the datastores that exist, before anything is created.
func TestVSphereMissingDatastore(t *testing.T) {
	s := newVSSim(t)
	in, _ := vsInput(t, "lkm", 1<<20)
	_, err := vmwaretest.Run(t, context.Background(), newVSUI(t), in, s.config(map[string]interface{}{"datastore": "NoSuchDS"}), nil)
	if err == nil || !strings.Contains(err.Error(), "datastore") || !strings.Contains(err.Error(), "NoSuchDS") ||
		!strings.Contains(err.Error(), "LocalDS_0") {
		t.Fatalf("error %v, want one naming datastore NoSuchDS and the candidates", err)
	}
	wantNothingLeft(t, s)
}

// TestVSphereWrongPassword says the credentials are wrong without showing
// either password.
func TestVSphereWrongPassword(t *testing.T) {
	s := newVSSim(t)
	in, _ := vsInput(t, "lkw", 1<<20)
	const wrong = "Wr0ng-Pa55-77c1"
	ui := newVSUI(t)
	_, err := vmwaretest.Run(t, context.Background(), ui, in, s.config(map[string]interface{}{"password": wrong}), nil)
	if err == nil || !strings.Contains(err.Error(), "incorrect user name or password") {
		t.Fatalf("error %v, want the wrong credentials named", err)
	}
	for _, text := range []string{err.Error(), ui.text()} {
		if strings.Contains(text, wrong) || strings.Contains(text, vsPassword) {
			t.Errorf("a password leaks: %q", text)
		}
	}
	wantNothingLeft(t, s)
}

// TestVSphereFailureCleansUp fails after the VM exists and the ISO is
// uploaded (no IP address in time, then a library that does not exist):
// the cleanups remove the VM and the uploaded ISO.
func TestVSphereFailureCleansUp(t *testing.T) {
	s := newVSSim(t)
	in, _ := vsInput(t, "lkf", 1<<20)
	for _, extra := range []map[string]interface{}{
		{"power_on": true, "wait_for_ip": true, "ip_wait_timeout": "200ms"},
		{"content_library": map[string]interface{}{"library": "no-such-library"}},
	} {
		ui := newVSUI(t)
		_, err := vmwaretest.Run(t, context.Background(), ui, in, s.config(extra), nil)
		if err == nil {
			t.Fatalf("%v: the run succeeded", extra)
		}
		if !strings.Contains(ui.text(), "Uploading") {
			t.Errorf("%v: failed before uploading (%v)", extra, err)
		}
		wantNothingLeft(t, s)
	}
}

// TestVSphereCancelDuringUpload cancels the build while the ISO uploads:
// the partial file is removed and no VM is created.
func TestVSphereCancelDuringUpload(t *testing.T) {
	s := newVSSim(t)
	in, _ := vsInput(t, "lkx", 8<<20)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ui := newVSUI(t)
	var once sync.Once
	ui.onWrite = func(m string) {
		if strings.HasPrefix(m, "Uploaded ") {
			once.Do(cancel)
		}
	}
	_, err := vmwaretest.Run(t, ctx, ui, in, s.config(map[string]interface{}{"convert_to_template": true}), nil)
	if err == nil {
		t.Fatal("the cancelled run succeeded")
	}
	if !strings.Contains(ui.text(), "Uploaded ") {
		t.Fatalf("no upload progress was shown:\n%s", ui.text())
	}
	wantNothingLeft(t, s)
}

// TestVSphereCancelAfterCreate cancels the build once the VM exists (at the
// power-on message): the VM and the ISO are removed.
func TestVSphereCancelAfterCreate(t *testing.T) {
	s := newVSSim(t)
	in, _ := vsInput(t, "lky", 1<<20)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ui := newVSUI(t)
	ui.onWrite = func(m string) {
		if strings.HasPrefix(m, "Powering on") {
			cancel()
		}
	}
	_, err := vmwaretest.Run(t, ctx, ui, in, s.config(map[string]interface{}{"power_on": true}), nil)
	if err == nil {
		t.Fatal("the cancelled run succeeded")
	}
	if !strings.Contains(ui.text(), "Created /DC0/vm/lky") {
		t.Fatalf("cancelled before the VM existed:\n%s", ui.text())
	}
	wantNothingLeft(t, s)
}

// TestVSphereCleanupAfterLostSession ends the build's vCenter session once
// the VM exists (as a dropped connection or an expired session would): the
// next step fails, and the cleanups, unable to use the dead session, log in
// again and still remove the VM and the uploaded ISO.
func TestVSphereCleanupAfterLostSession(t *testing.T) {
	s := newVSSim(t)
	in, _ := vsInput(t, "lks", 1<<20)
	d, _ := s.driver(t)
	ui := newVSUI(t)
	ui.onWrite = func(m string) {
		if strings.HasPrefix(m, "Powering on") {
			terminateOtherSessions(t, d.Client())
		}
	}
	logs := new(lockedBuffer)
	log.SetOutput(logs)
	defer log.SetOutput(os.Stderr)
	_, err := vmwaretest.Run(t, context.Background(), ui, in, s.config(map[string]interface{}{"power_on": true}), nil)
	if err == nil {
		t.Fatal("the run succeeded without its session")
	}
	if !strings.Contains(logs.String(), "reconnecting") {
		t.Errorf("the cleanup did not reconnect; log:\n%s", logs.String())
	}
	wantNothingLeft(t, s)
}

// terminateOtherSessions ends every vCenter session but c's own.
func terminateOtherSessions(t *testing.T, c *vim25.Client) {
	t.Helper()
	ctx := context.Background()
	var sm mo.SessionManager
	if err := property.DefaultCollector(c).RetrieveOne(ctx, *c.ServiceContent.SessionManager, []string{"sessionList", "currentSession"}, &sm); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, s := range sm.SessionList {
		if sm.CurrentSession == nil || s.Key != sm.CurrentSession.Key {
			keys = append(keys, s.Key)
		}
	}
	if len(keys) == 0 {
		t.Fatal("no other session to end")
	}
	if err := session.NewManager(c).TerminateSession(ctx, keys); err != nil {
		t.Fatal(err)
	}
}

// lockedBuffer is a log destination safe for the goroutines that log.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestVSphereFailureKeepsFilesItFound fails a run whose ISO was already on
// the datastore (uploaded by an earlier build, unchanged): the cleanup
// removes the run's VM but not the ISO, which the earlier VM still uses.
func TestVSphereFailureKeepsFilesItFound(t *testing.T) {
	s := newVSSim(t)
	in, _ := vsInput(t, "lkk", 1<<20)
	if _, err := vmwaretest.Run(t, context.Background(), newVSUI(t), in, s.config(nil), nil); err != nil {
		t.Fatalf("first run: %v", err)
	}
	files := s.dsFiles(t, "linuxkit")
	if len(files) != 2 {
		t.Fatalf("files after the first run: %v", files)
	}
	// Again with overwrite, failing after the VM exists (no such library).
	ui := newVSUI(t)
	_, err := vmwaretest.Run(t, context.Background(), ui, in, s.config(map[string]interface{}{
		"overwrite": true, "content_library": map[string]interface{}{"library": "no-such-library"},
	}), nil)
	if err == nil {
		t.Fatal("the run with a missing library succeeded")
	}
	if !strings.Contains(ui.text(), "not uploaded again") {
		t.Fatalf("the second run uploaded the ISO again:\n%s", ui.text())
	}
	if vms := s.vms(t); len(vms) != 0 {
		t.Errorf("VMs left: %v (overwrite removed the first, the cleanup the second)", vms)
	}
	if got := s.dsFiles(t, "linuxkit"); strings.Join(got, ",") != strings.Join(files, ",") {
		t.Errorf("files after the failed run: %v, want %v kept", got, files)
	}
}
