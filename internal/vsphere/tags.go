package vsphere

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/vapi/tags"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Tag is one vSphere tag by its category's name and its own name, as the post-processor's
// tags option spells it.
type Tag struct {
	Category string
	Name     string
}

// String is "category/name", for messages.
func (t Tag) String() string { return t.Category + "/" + t.Name }

// LibraryItemRef is the reference vSphere's tagging service uses for a content library
// item (its vAPI type and the item's id), so a library item is tagged like a VM.
func LibraryItemRef(id string) mo.Reference {
	return types.ManagedObjectReference{Type: "com.vmware.content.library.Item", Value: id}
}

// ResolveTags finds the id of every tag, in order, through the vAPI tagging service. A
// missing category or tag is created when create is set (a category of cardinality
// MULTIPLE, associable with every type); otherwise it is a *PlacementError naming the
// option (tags.category or tags.name) and listing what exists. It is called before
// anything is created, so a typo stops the build early.
func (d *Driver) ResolveTags(ctx context.Context, want []Tag, create bool) ([]string, error) {
	if len(want) == 0 {
		return nil, nil
	}
	rc, err := d.restClient(ctx)
	if err != nil {
		return nil, err
	}
	m := tags.NewManager(rc)
	var cats []tags.Category
	if err := d.retry(ctx, "list tag categories", func() (err error) {
		cats, err = m.GetCategories(ctx)
		return err
	}); err != nil {
		return nil, fmt.Errorf("tags: list the categories: %w", err)
	}
	byCat := map[string][]tags.Tag{} // tags of each category id, read once
	var ids []string
	for _, w := range want {
		cat, err := d.tagCategory(ctx, m, &cats, w.Category, create)
		if err != nil {
			return nil, err
		}
		if _, ok := byCat[cat.ID]; !ok {
			var list []tags.Tag
			if err := d.retry(ctx, "list tags", func() (err error) {
				list, err = m.GetTagsForCategory(ctx, cat.ID)
				return err
			}); err != nil {
				return nil, fmt.Errorf("tags: list the tags of category %q: %w", cat.Name, err)
			}
			byCat[cat.ID] = list
		}
		id, err := d.tagID(ctx, m, byCat, cat, w.Name, create)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// tagCategory returns the category called name from cats, creating it (and adding it to
// cats) when create is set.
func (d *Driver) tagCategory(ctx context.Context, m *tags.Manager, cats *[]tags.Category, name string, create bool) (*tags.Category, error) {
	var names []string
	for i := range *cats {
		if (*cats)[i].Name == name {
			return &(*cats)[i], nil
		}
		names = append(names, (*cats)[i].Name)
	}
	if !create {
		err := newPlacementError("tags.category", name, "", names, false)
		return nil, fmt.Errorf("%w (set create_tags = true to create it)", err)
	}
	c := tags.Category{Name: name, Cardinality: "MULTIPLE", AssociableTypes: []string{}}
	err := d.retry(ctx, "create tag category", func() (err error) {
		c.ID, err = m.CreateCategory(ctx, &c)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tags: create the category %q: %w", name, err)
	}
	d.logf("vSphere: created the tag category %q (%s)", name, c.ID)
	*cats = append(*cats, c)
	return &(*cats)[len(*cats)-1], nil
}

// tagID returns the id of the tag called name in cat, creating it when create is set.
func (d *Driver) tagID(ctx context.Context, m *tags.Manager, byCat map[string][]tags.Tag, cat *tags.Category, name string, create bool) (string, error) {
	var names []string
	for _, t := range byCat[cat.ID] {
		if t.Name == name {
			return t.ID, nil
		}
		names = append(names, t.Name)
	}
	if !create {
		err := newPlacementError("tags.name", name, "category "+cat.Name, names, false)
		return "", fmt.Errorf("%w (set create_tags = true to create it)", err)
	}
	t := tags.Tag{Name: name, CategoryID: cat.ID}
	err := d.retry(ctx, "create tag", func() (err error) {
		t.ID, err = m.CreateTag(ctx, &t)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("tags: create the tag %q in category %q: %w", name, cat.Name, err)
	}
	d.logf("vSphere: created the tag %s/%s (%s)", cat.Name, name, t.ID)
	byCat[cat.ID] = append(byCat[cat.ID], t)
	return t.ID, nil
}

// AttachTags attaches the tags (ids from ResolveTags) to the object ref: a VM, a template
// or a content library item (LibraryItemRef). Attaching a tag already attached is fine.
func (d *Driver) AttachTags(ctx context.Context, ids []string, ref mo.Reference) error {
	if len(ids) == 0 {
		return nil
	}
	rc, err := d.restClient(ctx)
	if err != nil {
		return err
	}
	m := tags.NewManager(rc)
	err = d.retry(ctx, "attach tags", func() error {
		return m.AttachMultipleTagsToObject(ctx, ids, ref)
	})
	if err != nil {
		return fmt.Errorf("attach %d tags to %s %s: %w", len(ids), ref.Reference().Type, ref.Reference().Value, err)
	}
	return nil
}
