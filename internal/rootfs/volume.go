package rootfs

import "fmt"

// volumes lays out each volume as LinuxKit does:
// containers/volumes/<name>/lower holds the image (with the same fix-ups as
// init, resolv.conf symlink included) or its OCI layout, tmp and merged are
// empty mount points. The same layout is hard-coded in internal/spec
// (VolumesDir and Volume.MergedDir, the bind sources it rewrites): keep the
// two in step; rootfs does not import spec.
func (ix *indexer) volumes(g *tree, vols []Volume) error {
	for _, v := range vols {
		where := fmt.Sprintf("volume %q", v.Name)
		base := []string{"containers", "volumes", v.Name}
		lower, err := setDirs(g, append(base[:3:3], "lower"))
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
		for _, d := range []string{"tmp", "merged"} {
			if _, err := setDirs(g, append(base[:3:3], d)); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
	}
	return nil
}
