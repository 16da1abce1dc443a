package rootfs

import "fmt"

// volumes lays out each volume as LinuxKit does, at the directories the plan
// names: the lower directory holds the image (with the same fix-ups as init,
// resolv.conf symlink included) or its OCI layout, tmp and merged are empty
// mount points.
func (ix *indexer) volumes(g *tree, vols []Volume) error {
	for _, v := range vols {
		where := fmt.Sprintf("volume %q", v.Name)
		lower, err := setPath(g, v.Lower)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if v.OCI != nil {
			if err := ix.ociLayout(g, lower, v.OCI); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
		if v.Image != nil {
			t, err := ix.flatten(where, v.Image, flattenOpts{whiteouts: true})
			if err != nil {
				return err
			}
			if err := fixup(t, true); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			dropDevices(t.root)
			graft(lower, t.root)
		}
		for _, d := range []string{v.Tmp, v.Merged} {
			if _, err := setPath(g, d); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
	}
	return nil
}

// setPath is setDirs for a path of the plan (validated already).
func setPath(g *tree, dir string) (*node, error) {
	comps, err := splitClean(dir)
	if err != nil {
		return nil, fmt.Errorf("directory %q: %w", dir, err)
	}
	return setDirs(g, comps)
}
