package vsphere

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vmware/govmomi/vapi/library"
	"github.com/vmware/govmomi/vim25/types"
)

// madeBuild makes, for build id, what a post-processor run makes: an uploaded ISO, a VM that
// boots it, and an OVF item in a new content library. It returns the Build that names them.
func madeBuild(t *testing.T, d *Driver, tg *Target, id string) (Build, *library.Manager) {
	t.Helper()
	ctx := context.Background()
	local, sum := writeFile(t, id+".iso", 64<<10, 5)
	iso := tg.DatastorePath("linuxkit/" + id + ".iso")
	if _, err := d.UploadIfChanged(ctx, tg, local, iso, sum, nil); err != nil {
		t.Fatal(err)
	}
	spec := minimalSpec(id+"-vm", id)
	spec.ISO = iso
	vm, err := d.CreateVM(ctx, tg, spec)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := d.restClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lm := library.NewManager(rc)
	if _, err := lm.CreateLibrary(ctx, library.Library{
		Name: id + "-lib", Type: "LOCAL",
		Storage: []library.StorageBacking{{DatastoreID: tg.Datastore.Reference().Value, Type: "DATASTORE"}},
	}); err != nil {
		t.Fatal(err)
	}
	item, err := d.PublishToLibrary(ctx, tg, vm, LibraryItem{Library: id + "-lib", Name: id + "-ovf", OVF: true})
	if err != nil {
		t.Fatal(err)
	}
	return Build{ID: id, VMs: []string{vm.InventoryPath}, Files: []string{iso}, LibraryItems: []string{item}}, lm
}

// TestCleanupBuild: over the build's session every object the build names goes, the VM by
// its build id.
func TestCleanupBuild(t *testing.T) {
	s := newSim(t) // a library of its own would show in the shared simulator's listings
	d, tg := s.target(t)
	ctx := context.Background()
	b, lm := madeBuild(t, d, tg, "lk-clean")
	b.VMs = nil // found by the build id all the same
	if err := d.CleanupBuild(ctx, tg, b); err != nil {
		t.Fatalf("CleanupBuild: %v", err)
	}
	if n := countBuild(t, d, b.ID); n != 0 {
		t.Errorf("%d VMs of the build left", n)
	}
	for _, p := range []string{b.Files[0], SidecarPath(b.Files[0])} {
		if fi, err := d.FileInfo(ctx, tg, p); err != nil || fi.Exists {
			t.Errorf("%s: %+v, %v", p, fi, err)
		}
	}
	if _, err := lm.GetLibraryItem(ctx, b.LibraryItems[0]); err == nil {
		t.Errorf("library item %s left", b.LibraryItems[0])
	}
	if err := d.CleanupBuild(ctx, tg, b); err != nil {
		t.Errorf("a second cleanup: %v", err)
	}
}

// TestCleanupUnreachableNamesLeftovers: when vCenter is gone by the time of the cleanup, the
// error itself names the build id and every object the build made: the VM's inventory path,
// the ISO and its sidecar, the library item.
func TestCleanupUnreachableNamesLeftovers(t *testing.T) {
	s := newSim(t)
	d, tg := s.target(t)
	b, _ := madeBuild(t, d, tg, "lk-gone")
	s.Server.Close()

	err := ReconnectAndCleanupBuild(context.Background(), s.cfg, clusterPlacement, b)
	var ce *CleanupError
	if !errors.As(err, &ce) || !errors.Is(err, ErrUnreachable) {
		t.Fatalf("cleanup with vCenter gone: %v", err)
	}
	want := []string{"library item " + b.LibraryItems[0], "VM /DC0/vm/lk-gone-vm",
		"file [LocalDS_0] linuxkit/lk-gone.iso", "file [LocalDS_0] linuxkit/lk-gone.iso.sha256"}
	if ce.BuildID != "lk-gone" || !slices.Equal(ce.Left, want) {
		t.Errorf("CleanupError{BuildID: %q, Left: %q}, want %q", ce.BuildID, ce.Left, want)
	}
	msg := err.Error()
	t.Logf("the error: %s", msg)
	for _, w := range append(want, "cleanup of build lk-gone incomplete: vSphere ", ": unreachable",
		"; left behind: library item ", "and any other VM or template whose extraConfig linuxkit.build-id is lk-gone") {
		if !strings.Contains(msg, w) {
			t.Errorf("the error does not say %q: %s", w, msg)
		}
	}
	assertNoSecret(t, err)

	// The files-only form names the files and the build id too.
	err = ReconnectAndCleanup(context.Background(), s.cfg, clusterPlacement, "lk-gone", b.Files)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "left behind: file [LocalDS_0] linuxkit/lk-gone.iso, file [LocalDS_0] linuxkit/lk-gone.iso.sha256, and any other VM or template whose extraConfig linuxkit.build-id is lk-gone") {
		t.Errorf("files-only cleanup with vCenter gone: %v", err)
	}
	// Knowing nothing but the id, it says what to look for.
	err = ReconnectAndCleanup(context.Background(), s.cfg, clusterPlacement, "lk-gone", nil)
	if !errors.Is(err, ErrUnreachable) || !strings.HasSuffix(err.Error(), "; remove by hand any VM or template whose extraConfig linuxkit.build-id is lk-gone") {
		t.Errorf("id-only cleanup with vCenter gone: %v", err)
	}
}

// TestCleanupFailureNamesWhatIsLeft: a removal that fails over a live session is named, and
// what was removed is not.
func TestCleanupFailureNamesWhatIsLeft(t *testing.T) {
	s := newSim(t)
	d, tg := s.target(t)
	b, _ := madeBuild(t, d, tg, "lk-stuck")
	s.AddFault("DeleteDatastoreFile_Task", &types.CannotDeleteFile{}, 1) // the ISO's removal fails once
	err := d.CleanupBuild(context.Background(), tg, b)
	var ce *CleanupError
	if !errors.As(err, &ce) || !slices.Equal(ce.Left, []string{"file [LocalDS_0] linuxkit/lk-stuck.iso"}) {
		t.Fatalf("cleanup with a failing delete: %v", err)
	}
	if n := countBuild(t, d, b.ID); n != 0 {
		t.Errorf("%d VMs of the build left", n)
	}
}
