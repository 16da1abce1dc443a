package vsphere

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/vmware/govmomi/vapi/library"
)

func TestPublishToLibrary(t *testing.T) {
	s := sharedSim(t)
	d, tg := s.target(t)
	ctx := context.Background()
	rc, err := d.restClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lm := library.NewManager(rc)
	libID, err := lm.CreateLibrary(ctx, library.Library{
		Name: "lk-lib", Type: "LOCAL",
		Storage: []library.StorageBacking{{DatastoreID: tg.Datastore.Reference().Value, Type: "DATASTORE"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	vm, err := d.CreateVM(ctx, tg, minimalSpec("lk-src", "build-lib"))
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		item     LibraryItem
		wantType string
	}{
		{LibraryItem{Library: "lk-lib", Name: "lk-ovf", Description: "an OVF", OVF: true}, library.ItemTypeOVF},
		{LibraryItem{Library: libID, Name: "lk-src-template", Description: "a template"}, library.ItemTypeVMTX},
	} {
		id, err := d.PublishToLibrary(ctx, tg, vm, tc.item)
		if err != nil {
			t.Fatalf("publish %+v: %v", tc.item, err)
		}
		item, err := lm.GetLibraryItem(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if item.Name != tc.item.Name || item.Type != tc.wantType || item.LibraryID != libID {
			t.Errorf("item %+v, want %s named %s in %s", item, tc.wantType, tc.item.Name, libID)
		}
		if _, err := d.PublishToLibrary(ctx, tg, vm, tc.item); !errors.Is(err, ErrExists) {
			t.Errorf("publishing %s again: %v, want ErrExists", tc.item.Name, err)
		}
		tc.item.Overwrite = true
		id2, err := d.PublishToLibrary(ctx, tg, vm, tc.item)
		if err != nil || id2 == id {
			t.Fatalf("overwrite: %q (was %q), %v", id2, id, err)
		}
		if _, err := lm.GetLibraryItem(ctx, id); err == nil {
			t.Errorf("the overwritten item %s still exists", id)
		}
	}

	// The VM template item is a template VM in the target folder. (vCenter's clone keeps the
	// source's extraConfig, build id included; vcsim's clone does not, so that is not checked.)
	tmpl, err := d.FindVM(ctx, tg, "lk-src-template")
	if err != nil || tmpl == nil {
		t.Fatalf("template VM of the library item: %v, %v", tmpl, err)
	}
	if info, err := d.Describe(ctx, tmpl); err != nil || !info.Template {
		t.Errorf("template VM: %+v, %v", info, err)
	}

	items, err := lm.GetLibraryItems(ctx, libID)
	if err != nil || len(items) != 2 {
		t.Fatalf("%d items, %v", len(items), err)
	}
	for _, it := range items {
		if err := d.DeleteLibraryItem(ctx, it.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.DeleteLibraryItem(ctx, items[0].ID); err != nil {
		t.Errorf("deleting a deleted item: %v", err)
	}

	_, err = d.PublishToLibrary(ctx, tg, vm, LibraryItem{Library: "nope", Name: "x"})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `content library "nope" not found; available: lk-lib`) {
		t.Errorf("unknown library: %v", err)
	}
}
