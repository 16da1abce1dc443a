package linuxkit

import (
	"context"
	"testing"

	"github.com/vmware/govmomi/ovf/importer"
	"github.com/vmware/govmomi/vapi/library"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// TestOVAImportsIntoContentLibrary builds an ova in process and imports it
// into a vcsim content library with `govc library.import -m` (the manifest
// required, its SHA256 sums sent as the files' checksums): the library holds
// one OVF item with the descriptor and the disk.
func TestOVAImportsIntoContentLibrary(t *testing.T) {
	r := newRunRig(t)
	var log uiLog
	a, err := r.build(context.Background(), t, log.ui(), r.raw("lib", []string{FormatOVA}, nil))
	if err != nil {
		t.Fatalf("build: %v\n%s", err, log.String())
	}
	path := a.(*Artifact).Formats[FormatOVA]

	ctx := context.Background()
	sim := testrig.StartVCSim(t)
	vc := testrig.DialVCenter(ctx, t, sim.URL)
	vc.CreateLibrary(ctx, t, "DC0", "LocalDS_0", "golden")
	govc(t, sim, "library.import", "-m", "-n=lk", "golden", path)

	if items := vc.LibraryItems(ctx, t, "golden"); len(items) != 1 || items[0] != "lk (ovf)" {
		t.Fatalf("library items %v, want one OVF item lk", items)
	}
	lm := library.NewManager(vc.REST)
	lib, err := lm.GetLibraryByName(ctx, "golden")
	if err != nil {
		t.Fatal(err)
	}
	items, err := lm.FindLibraryItems(ctx, library.FindItem{LibraryID: lib.ID, Name: "lk"})
	if err != nil || len(items) != 1 {
		t.Fatalf("item lk: %v %v", items, err)
	}
	files, err := lm.ListLibraryItemFiles(ctx, items[0])
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, f := range files {
		if f.Size != nil {
			got[f.Name] = *f.Size
		}
	}
	// The descriptor is stored as sent; vcsim stores a disk as a descriptor and a flat
	// extent it parses out of the streamOptimized vmdk, so that file is there, not of the
	// uploaded size.
	ova := &importer.TapeArchive{Path: path}
	rc, size, err := ova.Open("lk.ovf")
	if err != nil {
		t.Fatal(err)
	}
	_ = rc.Close()
	if got["lk.ovf"] != size || got["lk-disk1.vmdk"] == 0 || len(got) != 2 {
		t.Errorf("library item files %v, want lk.ovf of %d bytes and lk-disk1.vmdk", got, size)
	}
}
