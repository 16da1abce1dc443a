package spec

import (
	"fmt"
	"path"
)

// ImageUse is one image a spec needs: a stable key naming where it is used
// and its normalized reference.
type ImageUse struct {
	// Key is "kernel", "init/<n>", "onboot/<nnn>-<name>",
	// "onshutdown/<nnn>-<name>", "services/<name>" or "volumes/<name>"
	// (nnn is the %03d index, as in linuxkit's bundle directories).
	Key string
	// Ref is the normalized reference (see NormalizeRef).
	Ref string
}

// Images lists every image reference of the spec in build order: kernel,
// init, onboot, onshutdown, services, then volumes that have an image.
func (s *Spec) Images() []ImageUse {
	var out []ImageUse
	add := func(key, ref string) {
		if norm, err := NormalizeRef(ref); err == nil {
			ref = norm
		}
		out = append(out, ImageUse{Key: key, Ref: ref})
	}
	if s.Kernel != nil && s.Kernel.Image != "" {
		add("kernel", s.Kernel.Image)
	}
	for i, ref := range s.Init {
		add(fmt.Sprintf("init/%d", i), ref)
	}
	for _, sec := range s.sections() {
		for i, img := range sec.images {
			add(imageKey(sec.name, i, img.Name), img.Image)
		}
	}
	for _, v := range s.Volumes {
		if v.Image != "" {
			add("volumes/"+v.Name, v.Image)
		}
	}
	return out
}

// imageKey is the Images key of a container entry.
func imageKey(section string, index int, name string) string {
	if section == "services" {
		return "services/" + name
	}
	return fmt.Sprintf("%s/%03d-%s", section, index, name)
}

// BundleDir is the directory of a container bundle in the root filesystem
// (no leading slash), as linuxkit lays them out:
// containers/onboot/000-name, containers/onshutdown/000-name,
// containers/services/name.
func BundleDir(section string, index int, name string) string {
	return path.Join("containers", imageKey(section, index, name))
}

// Pin returns a deep copy of the spec in which every image reference is
// replaced by its pinned form. pinned maps a normalized reference (see
// NormalizeRef and Images) to "ref@sha256:<digest>". A reference that is
// missing from the map is an error naming where it is used, unless it is
// already pinned by digest, in which case it is kept (normalized).
func (s *Spec) Pin(pinned map[string]string) (*Spec, error) {
	out := s.Clone()
	var errs ErrorList
	pin := func(ref string, at Pos) string {
		norm, err := NormalizeRef(ref)
		if err != nil {
			errs = append(errs, errorAt(at, "%v", err))
			return ref
		}
		p, ok := pinned[norm]
		if !ok {
			if hasDigest(norm) {
				return norm
			}
			errs = append(errs, errorAt(at, "image %s has no pinned digest", norm))
			return ref
		}
		pn, err := NormalizeRef(p)
		if err != nil || !hasDigest(pn) {
			errs = append(errs, errorAt(at, "pinned reference %q for %s is not a reference with a sha256 digest", p, norm))
			return ref
		}
		return pn
	}
	if k := out.Kernel; k != nil && k.Image != "" {
		k.Image = pin(k.Image, subPos(k.src, k.Pos, "image"))
	}
	for i, ref := range out.Init {
		out.Init[i] = pin(ref, out.initPosAt(i))
	}
	for _, sec := range out.sections() {
		for _, img := range sec.images {
			img.Image = pin(img.Image, subPos(img.src, img.Pos, "image"))
		}
	}
	for _, v := range out.Volumes {
		if v.Image != "" {
			v.Image = pin(v.Image, subPos(v.src, v.Pos, "image"))
		}
	}
	if len(errs) > 0 {
		return nil, errs.err()
	}
	return out, nil
}

// normalized returns a deep copy with every image reference normalized
// (references that do not parse are kept as written).
func (s *Spec) normalized() *Spec {
	out := s.Clone()
	norm := func(ref string) string {
		if n, err := NormalizeRef(ref); err == nil {
			return n
		}
		return ref
	}
	if out.Kernel != nil && out.Kernel.Image != "" {
		out.Kernel.Image = norm(out.Kernel.Image)
	}
	for i, ref := range out.Init {
		out.Init[i] = norm(ref)
	}
	for _, sec := range out.sections() {
		for _, img := range sec.images {
			img.Image = norm(img.Image)
		}
	}
	for _, v := range out.Volumes {
		if v.Image != "" {
			v.Image = norm(v.Image)
		}
	}
	return out
}
