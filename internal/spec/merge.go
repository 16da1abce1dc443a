package spec

import (
	"fmt"
	"slices"
	"strings"
)

// Merge combines specs in order, like `linuxkit build a.yml b.yml`, and runs
// the checks that need the assembled image (see Validate). The inputs are
// not modified. Rules:
//
//   - kernel: a later non-empty image, cmdline or binary, and a later set
//     tar or ucode, override the earlier value;
//   - init: appended, skipping an image already listed (same normalized
//     reference);
//   - onboot, onshutdown, files: appended;
//   - services: appended, except that a later service with the name of an
//     earlier one replaces it in place (and a warning says so). linuxkit
//     refuses the duplicate instead; replacing lets an override file change
//     one service of a base file;
//   - volumes: kept from every file (linuxkit loses all but the last file's
//     volumes, so binds to them fail). A volume name defined in two files is
//     an error naming both places, because binds in every file refer to
//     volumes by name and silently switching their content would surprise;
//   - warnings: concatenated.
//
// Call Merge even for a single spec: it is the step that finishes checking.
func Merge(specs ...*Spec) (*Spec, error) {
	if len(specs) == 0 {
		return nil, fmt.Errorf("merge: no spec given")
	}
	out := &Spec{}
	var errs ErrorList
	initSeen := map[string]bool{}
	services := map[string]int{}
	volumes := map[string]*Volume{}
	for n, in := range specs {
		if in == nil {
			return nil, fmt.Errorf("merge: spec %d is nil", n)
		}
		s := in.Clone()
		out.Warnings = append(out.Warnings, s.Warnings...)
		out.mergeKernel(s.Kernel)
		for i, ref := range s.Init {
			key := ref
			if norm, err := NormalizeRef(ref); err == nil {
				key = norm
			}
			if initSeen[key] {
				continue
			}
			initSeen[key] = true
			out.Init = append(out.Init, ref)
			out.initPos = append(out.initPos, s.initPosAt(i))
		}
		out.Onboot = append(out.Onboot, s.Onboot...)
		out.Onshutdown = append(out.Onshutdown, s.Onshutdown...)
		for _, img := range s.Services {
			if j, dup := services[img.Name]; dup {
				prev := out.Services[j]
				out.Warnings = append(out.Warnings, img.errorf("name",
					"service %q replaces the one defined at %s", img.Name, where(prev.Pos)))
				out.Services[j] = img
				continue
			}
			services[img.Name] = len(out.Services)
			out.Services = append(out.Services, img)
		}
		out.Files = append(out.Files, s.Files...)
		out.mergeTrust(s.Trust)
		for _, v := range s.Volumes {
			if prev, dup := volumes[v.Name]; dup && v.Name != "" {
				errs = append(errs, v.errorf("name", "volume %q is already defined at %s; volume names must be unique across all spec files", v.Name, where(prev.Pos)))
				continue
			}
			volumes[v.Name] = v
			out.Volumes = append(out.Volumes, v)
		}
	}
	if err := out.Validate(); err != nil {
		l, ok := err.(ErrorList)
		if !ok {
			return nil, err
		}
		errs = append(errs, l...)
	}
	if len(errs) > 0 {
		return nil, errs.err()
	}
	return out, nil
}

// mergeTrust keeps every file's trust: orgs and images, each listed once,
// so the builder's verify block can check what the section names.
func (s *Spec) mergeTrust(t *Trust) {
	if t == nil {
		return
	}
	if s.Trust == nil {
		s.Trust = &Trust{}
	}
	for _, o := range t.Org {
		if !slices.Contains(s.Trust.Org, o) {
			s.Trust.Org = append(s.Trust.Org, o)
		}
	}
	for _, i := range t.Image {
		if !slices.Contains(s.Trust.Image, i) {
			s.Trust.Image = append(s.Trust.Image, i)
		}
	}
}

// mergeKernel applies linuxkit's field-by-field kernel override.
func (s *Spec) mergeKernel(k *Kernel) {
	if k == nil {
		return
	}
	if s.Kernel == nil {
		s.Kernel = k
		return
	}
	if k.Image != "" {
		s.Kernel.Image = k.Image
		s.Kernel.Pos, s.Kernel.src = k.Pos, k.src
	}
	if k.Cmdline != "" {
		s.Kernel.Cmdline = k.Cmdline
	}
	if k.Binary != "" {
		s.Kernel.Binary = k.Binary
	}
	if k.Tar != nil {
		s.Kernel.Tar = k.Tar
	}
	if k.UCode != nil {
		s.Kernel.UCode = k.UCode
	}
}

// initPosAt returns the position of Init[i], when known.
func (s *Spec) initPosAt(i int) Pos {
	if i < len(s.initPos) {
		return s.initPos[i]
	}
	return Pos{Path: indexPath("init", i)}
}

// Validate runs the checks that need the assembled image, and that Merge
// runs: a kernel section has an image; service and volume names are unique;
// every bind or bind mount whose source is not an absolute path names a
// volume, and a read-only volume is only mounted read-only.
func (s *Spec) Validate() error {
	var errs ErrorList
	if k := s.Kernel; k != nil && k.Image == "" {
		errs = append(errs, k.src.errorf(joinPath(k.Pos.Path, "image"), "the kernel section has no image (set kernel.image in one of the spec files)"))
	}
	services := map[string]*Image{}
	for _, img := range s.Services {
		if prev, dup := services[img.Name]; dup {
			errs = append(errs, img.errorf("name", "duplicate service name %q (first at %s)", img.Name, where(prev.Pos)))
		}
		services[img.Name] = img
	}
	vols := map[string]*Volume{}
	for _, v := range s.Volumes {
		if prev, dup := vols[v.Name]; dup {
			errs = append(errs, v.errorf("name", "duplicate volume name %q (first at %s)", v.Name, where(prev.Pos)))
		}
		vols[v.Name] = v
	}
	for _, sec := range s.sections() {
		for _, img := range sec.images {
			errs = append(errs, checkVolumeRefs(img, vols)...)
		}
	}
	return errs.err()
}

// checkVolumeRefs checks an entry's binds, binds.add and bind mounts that
// name volumes.
func checkVolumeRefs(img *Image, vols map[string]*Volume) ErrorList {
	var errs ErrorList
	for _, l := range []struct {
		key  string
		list *[]string
	}{{"binds", img.Binds}, {"binds.add", img.BindsAdd}} {
		if l.list == nil {
			continue
		}
		for i, b := range *l.list {
			src, opts, _ := strings.Cut(b, ":")
			_, opts, _ = strings.Cut(opts, ":")
			if strings.HasPrefix(src, "/") {
				continue
			}
			if err := volumeUse(src, strings.Split(opts, ","), vols); err != nil {
				errs = append(errs, img.errorf(indexPath(l.key, i), "%v", err))
			}
		}
	}
	if img.Mounts != nil {
		for i, m := range *img.Mounts {
			if m.Type != "bind" || strings.HasPrefix(m.Source, "/") {
				continue
			}
			if err := volumeUse(m.Source, m.Options, vols); err != nil {
				errs = append(errs, img.errorf(indexPath("mounts", i), "%v", err))
			}
		}
	}
	return errs
}

// volumeUse checks that name is a volume and that a read-only volume is
// mounted read-only (the first of "ro"/"rw" in opts is "ro"). linuxkit only
// accepts the exact option string "ro" for binds; any option list whose
// first ro/rw choice is ro is accepted here.
func volumeUse(name string, opts []string, vols map[string]*Volume) error {
	v, ok := vols[name]
	if !ok {
		return fmt.Errorf("volume %q not found (bind sources that are not absolute paths name volumes)", name)
	}
	if !v.ReadOnly {
		return nil
	}
	for _, o := range opts {
		switch o {
		case "ro":
			return nil
		case "rw":
			return fmt.Errorf("volume %q is read-only, but is mounted read-write", name)
		}
	}
	return fmt.Errorf("volume %q is read-only: mount it with the \"ro\" option", name)
}

// errorf builds an error about a field of the entry, at its recorded
// position (the original file and line, even after a merge).
func (img *Image) errorf(sub, format string, args ...any) *Error {
	return atOrPos(img.src, img.Pos, sub, format, args...)
}

// errorf builds an error about a field of the volume.
func (v *Volume) errorf(sub, format string, args ...any) *Error {
	return atOrPos(v.src, v.Pos, sub, format, args...)
}

func atOrPos(src *source, pos Pos, sub, format string, args ...any) *Error {
	return errorAt(subPos(src, pos, sub), format, args...)
}

// subPos returns the recorded position of field sub of an element written
// at pos (or pos itself when no table is known).
func subPos(src *source, pos Pos, sub string) Pos {
	path := joinPath(pos.Path, sub)
	if strings.HasPrefix(sub, "[") {
		path = pos.Path + sub
	}
	if src == nil {
		p := pos
		p.Path = path
		return p
	}
	return src.at(path)
}

// where names a position for a message: file:line:col when known, else the
// field path, else "an earlier entry".
func where(p Pos) string {
	if s := p.String(); s != "" {
		return s
	}
	if p.Path != "" {
		return p.Path
	}
	return "an earlier entry"
}
