package spec

import (
	"path"
	"strings"
)

// VolumesDir is where linuxkit puts volumes in the root filesystem. The
// layout is defined here only: internal/assemble carries Dir's lower, tmp
// and merged paths into the rootfs plan, and rootfs lays out what the plan
// names, so the bind sources rewritten below and the directories in the
// image are the same strings.
const VolumesDir = "/containers/volumes"

// Dir is the volume's directory, /containers/volumes/<name>.
func (v *Volume) Dir() string { return path.Join(VolumesDir, v.Name) }

// LowerDir holds the volume's content from its image.
func (v *Volume) LowerDir() string { return path.Join(v.Dir(), "lower") }

// TmpDir is the mount point for the volume's writable overlay layers.
func (v *Volume) TmpDir() string { return path.Join(v.Dir(), "tmp") }

// MergedDir is the volume as containers see it: binds naming the volume
// are rewritten to this path.
func (v *Volume) MergedDir() string { return path.Join(v.Dir(), "merged") }

// Volume returns the volume called name, or nil.
func (s *Spec) Volume(name string) *Volume {
	for _, v := range s.Volumes {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// ResolveVolumes returns a copy of img in which every bind (binds,
// binds.add) and bind mount whose source names a volume has that source
// replaced by the volume's MergedDir, as linuxkit does before building
// config.json. It checks what Validate checks (the volume exists, a
// read-only volume is mounted read-only). linuxkit forgets to write the
// rewritten source back for bind mounts (it edits a loop copy); here they
// are rewritten like binds.
func (s *Spec) ResolveVolumes(img *Image) (*Image, error) {
	vols := map[string]*Volume{}
	for _, v := range s.Volumes {
		vols[v.Name] = v
	}
	if errs := checkVolumeRefs(img, vols); len(errs) > 0 {
		return nil, errs.err()
	}
	out := img.Clone()
	rewrite := func(list *[]string) {
		if list == nil {
			return
		}
		for i, b := range *list {
			src, rest, _ := strings.Cut(b, ":")
			if strings.HasPrefix(src, "/") {
				continue
			}
			(*list)[i] = vols[src].MergedDir() + ":" + rest
		}
	}
	rewrite(out.Binds)
	rewrite(out.BindsAdd)
	if out.Mounts != nil {
		for i, m := range *out.Mounts {
			if m.Type == "bind" && !strings.HasPrefix(m.Source, "/") {
				(*out.Mounts)[i].Source = vols[m.Source].MergedDir()
			}
		}
	}
	return out, nil
}
