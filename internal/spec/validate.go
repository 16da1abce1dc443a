package spec

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// nameRE is linuxkit's rule for container and volume names: they become
// directory names and user/group names.
var nameRE = regexp.MustCompile(`^[a-z0-9_-]*$`)

// section is one of the three container lists.
type section struct {
	name   string
	images []*Image
}

// sections returns onboot, onshutdown and services, in build order.
func (s *Spec) sections() []section {
	return []section{{"onboot", s.Onboot}, {"onshutdown", s.Onshutdown}, {"services", s.Services}}
}

// check runs the single-file rules of linuxkit's schema and config checks.
func (s *Spec) check(src *source) ErrorList {
	var errs ErrorList
	if k := s.Kernel; k != nil && k.Image != "" {
		if _, err := NormalizeRef(k.Image); err != nil {
			errs = append(errs, src.errorf("kernel.image", "%v", err))
		}
	}
	for i, ref := range s.Init {
		if _, err := NormalizeRef(ref); err != nil {
			errs = append(errs, src.errorf(indexPath("init", i), "%v", err))
		}
	}
	for _, sec := range s.sections() {
		for i, img := range sec.images {
			errs = append(errs, checkImage(img, src, indexPath(sec.name, i))...)
		}
	}
	// Service names must be unique: they run side by side in containerd.
	// linuxkit allows repeated onboot/onshutdown names (its own examples
	// mount twice), since their bundles are numbered.
	first := map[string]int{}
	for i, img := range s.Services {
		if img.Name == "" {
			continue
		}
		if j, dup := first[img.Name]; dup {
			errs = append(errs, src.errorf(indexPath("services", i)+".name",
				"duplicate service name %q (first at services[%d], line %d)", img.Name, j, src.at(indexPath("services", j)).Line))
			continue
		}
		first[img.Name] = i
	}
	for i, f := range s.Files {
		errs = append(errs, checkFile(f, src, indexPath("files", i))...)
	}
	vols := map[string]int{}
	for i, v := range s.Volumes {
		path := indexPath("volumes", i)
		errs = append(errs, checkVolume(v, src, path)...)
		if v.Name == "" {
			continue
		}
		if j, dup := vols[v.Name]; dup {
			errs = append(errs, src.errorf(path+".name", "duplicate volume name %q (first at volumes[%d], line %d)", v.Name, j, src.at(indexPath("volumes", j)).Line))
			continue
		}
		vols[v.Name] = i
	}
	return errs
}

// checkName checks a required container or volume name.
func checkName(name string, src *source, path, what string) ErrorList {
	p := joinPath(path, "name")
	if _, present := src.pos[p]; !present {
		return ErrorList{src.errorf(path, "missing required key \"name\"")}
	}
	if name == "" {
		return ErrorList{src.errorf(p, "%s name must not be empty", what)}
	}
	if !nameRE.MatchString(name) {
		return ErrorList{src.errorf(p, "invalid %s name %q: use only a-z, 0-9, '_' and '-'", what, name)}
	}
	return nil
}

// checkImage checks one onboot/onshutdown/services entry.
func checkImage(img *Image, src *source, path string) ErrorList {
	errs := checkName(img.Name, src, path, "container")
	p := joinPath(path, "image")
	if _, present := src.pos[p]; !present {
		errs = append(errs, src.errorf(path, "missing required key \"image\""))
	} else if _, err := NormalizeRef(img.Image); err != nil {
		errs = append(errs, src.errorf(p, "%v", err))
	}
	return append(errs, checkImageConfig(&img.ImageConfig, src, path)...)
}

// checkImageConfig checks the container settings of a spec entry or label.
func checkImageConfig(c *ImageConfig, src *source, path string) ErrorList {
	var errs ErrorList
	add := func(p string, err error) {
		if err != nil {
			errs = append(errs, src.errorf(p, "%v", err))
		}
	}
	for _, l := range []struct {
		key  string
		list *[]string
	}{{"capabilities", c.Capabilities}, {"capabilities.add", c.CapabilitiesAdd}, {"ambient", c.Ambient}} {
		if l.list == nil {
			continue
		}
		list := *l.list
		if len(list) == 1 {
			if _, _, err := expandCaps(list); err == nil {
				continue
			}
		}
		for i, c := range list {
			if !knownCaps[c] {
				add(indexPath(joinPath(path, l.key), i), unknownCapError(c))
			}
		}
	}
	each := func(key string, list *[]string, fn func(string) error) {
		if list == nil {
			return
		}
		for i, s := range *list {
			add(indexPath(joinPath(path, key), i), fn(s))
		}
	}
	each("binds", c.Binds, func(s string) error { _, err := parseBind(s); return err })
	each("binds.add", c.BindsAdd, func(s string) error { _, err := parseBind(s); return err })
	each("tmpfs", c.Tmpfs, func(s string) error { _, err := parseTmpfs(s); return err })
	each("rlimits", c.Rlimits, func(s string) error { _, err := parseRlimit(s); return err })
	if c.Mounts != nil {
		for i, m := range *c.Mounts {
			_, err := completeMount(m)
			add(indexPath(joinPath(path, "mounts"), i), err)
		}
	}
	if c.Devices != nil {
		for i, dev := range *c.Devices {
			add(indexPath(joinPath(path, "devices"), i), checkDevice(dev))
		}
	}
	for _, ns := range []struct{ key, val string }{
		{"net", c.Net}, {"pid", c.Pid}, {"ipc", c.Ipc}, {"uts", c.Uts}, {"userns", c.Userns},
	} {
		add(joinPath(path, ns.key), checkNamespace(ns.key, ns.val))
	}
	if c.Cwd != "" && !strings.HasPrefix(c.Cwd, "/") {
		add(joinPath(path, "cwd"), fmt.Errorf("cwd %q must be an absolute path", c.Cwd))
	}
	if c.OOMScoreAdj != nil && (*c.OOMScoreAdj < -1000 || *c.OOMScoreAdj > 1000) {
		add(joinPath(path, "oomScoreAdj"), fmt.Errorf("oomScoreAdj %d is out of range (-1000 to 1000)", *c.OOMScoreAdj))
	}
	if p := c.RootfsPropagation; p != nil && !rootfsPropagations[*p] {
		add(joinPath(path, "rootfsPropagation"), fmt.Errorf("rootfsPropagation %q is not one of shared, slave, private, unbindable (or their r- forms)", *p))
	}
	if rt := c.Runtime; rt != nil {
		errs = append(errs, checkRuntime(rt, src, joinPath(path, "runtime"))...)
	}
	return errs
}

var rootfsPropagations = map[string]bool{
	"": true, "shared": true, "rshared": true, "slave": true, "rslave": true,
	"private": true, "rprivate": true, "unbindable": true, "runbindable": true,
}

// checkNamespace checks net/pid/ipc/uts/userns: "host" (or linuxkit's
// synonym "root"), "new", a path to join, and for net also "none" (a new,
// empty namespace). linuxkit would pass "none" for the others through as a
// path that runc then fails to open, so it is refused here.
func checkNamespace(key, v string) error {
	switch {
	case v == "" || v == "host" || v == "root" || v == "new" || strings.HasPrefix(v, "/"):
		return nil
	case v == "none" && key == "net":
		return nil
	case key == "net":
		return fmt.Errorf("net %q must be \"host\", \"new\", \"none\" or a path like /run/netns/name", v)
	}
	return fmt.Errorf("%s %q must be \"host\", \"new\" or a path to a namespace to join", key, v)
}

// checkDevice checks a devices entry.
func checkDevice(dev Device) error {
	if dev.Path == "" {
		return fmt.Errorf("device path is required (a /dev path, or \"all\")")
	}
	if dev.Path == "all" {
		switch dev.Type {
		case "a", "b", "c":
			return nil
		}
		return fmt.Errorf("device type %q for path \"all\" must be \"a\", \"b\" or \"c\"", dev.Type)
	}
	switch dev.Type {
	case "c", "b", "u", "p":
	default:
		return fmt.Errorf("device type %q must be \"c\", \"b\", \"u\" or \"p\"", dev.Type)
	}
	if _, err := parseOctalMode(dev.Mode); err != nil {
		return fmt.Errorf("device %s: %w", dev.Path, err)
	}
	return nil
}

// checkRuntime checks the runtime section.
func checkRuntime(rt *Runtime, src *source, path string) ErrorList {
	var errs ErrorList
	if rt.Interfaces != nil {
		for i, ifc := range *rt.Interfaces {
			if ifc.Name == "" {
				errs = append(errs, src.errorf(indexPath(joinPath(path, "interfaces"), i), "interface name is required"))
			}
		}
	}
	if rt.Mounts != nil {
		for i, m := range *rt.Mounts {
			if m.Destination == "" {
				errs = append(errs, src.errorf(indexPath(joinPath(path, "mounts"), i), "runtime mount destination is required"))
			}
		}
	}
	if ns := rt.BindNS; ns != nil {
		for _, b := range []struct {
			key string
			val *string
		}{{"cgroup", ns.Cgroup}, {"ipc", ns.Ipc}, {"mnt", ns.Mnt}, {"net", ns.Net}, {"pid", ns.Pid}, {"user", ns.User}, {"uts", ns.Uts}} {
			if b.val != nil && *b.val != "" && !strings.HasPrefix(*b.val, "/") {
				errs = append(errs, src.errorf(joinPath(joinPath(path, "bindNS"), b.key), "bindNS path %q must be absolute", *b.val))
			}
		}
	}
	return errs
}

// checkFile checks one files entry: a path and exactly one kind of content.
func checkFile(f *File, src *source, path string) ErrorList {
	var errs ErrorList
	if f.Path == "" {
		errs = append(errs, src.errorf(path, "file path is required"))
	} else if err := checkFilePath(f.Path); err != nil {
		errs = append(errs, src.errorf(joinPath(path, "path"), "file path %q: %v", f.Path, err))
	}
	var kinds []string
	if f.Contents != nil {
		kinds = append(kinds, "contents")
	}
	if f.Source != "" {
		kinds = append(kinds, "source")
	}
	if f.Symlink != "" {
		kinds = append(kinds, "symlink")
	}
	if f.Directory {
		kinds = append(kinds, "directory")
	}
	if f.Metadata != "" {
		kinds = append(kinds, "metadata")
	}
	switch len(kinds) {
	case 0:
		errs = append(errs, src.errorf(path, "contents of file %q not specified: set one of contents, source, symlink, directory or metadata", f.Path))
	case 1:
	default:
		errs = append(errs, src.errorf(joinPath(path, kinds[1]), "file %q sets both %s and %s: use only one of contents, source, symlink, directory, metadata", f.Path, kinds[0], kinds[1]))
	}
	if f.Metadata != "" && f.Metadata != "yaml" && f.Metadata != "json" {
		errs = append(errs, src.errorf(joinPath(path, "metadata"), "unsupported metadata type %q: use \"yaml\" or \"json\"", f.Metadata))
	}
	if f.Mode != "" {
		if _, err := parseOctalMode(f.Mode); err != nil {
			errs = append(errs, src.errorf(joinPath(path, "mode"), "%v", err))
		}
	}
	if f.Optional && f.Source == "" {
		errs = append(errs, src.errorf(joinPath(path, "optional"), "optional only applies to a file with a source"))
	}
	return errs
}

// checkFilePath applies the rules the root filesystem writer enforces to a
// files[].path, so a bad path fails at validate, in the file that wrote it:
// at most PATH_MAX bytes, no NUL, components of at most 255 bytes, below the
// root and naming something other than the root itself.
func checkFilePath(p string) error {
	if len(p) > 4096 {
		return fmt.Errorf("longer than 4096 bytes")
	}
	if strings.IndexByte(p, 0) >= 0 {
		return fmt.Errorf("contains a NUL byte")
	}
	rel := path.Clean(strings.TrimLeft(p, "/"))
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return fmt.Errorf(`climbs out of the root ("..")`)
	}
	if rel == "." {
		return fmt.Errorf("names the root itself, not a file")
	}
	for _, comp := range strings.Split(rel, "/") {
		if len(comp) > 255 {
			return fmt.Errorf("component %.20q… is longer than 255 bytes", comp)
		}
	}
	return nil
}

// checkVolume checks one volumes entry.
func checkVolume(v *Volume, src *source, path string) ErrorList {
	errs := checkName(v.Name, src, path, "volume")
	if v.Image != "" {
		if _, err := NormalizeRef(v.Image); err != nil {
			errs = append(errs, src.errorf(joinPath(path, "image"), "%v", err))
		}
	}
	switch v.Format {
	case "", "oci", "filesystem":
	default:
		errs = append(errs, src.errorf(joinPath(path, "format"), "volume format %q must be \"oci\" or \"filesystem\"", v.Format))
	}
	for i, p := range v.Platforms {
		if _, err := v1.ParsePlatform(p); err != nil || p == "" {
			errs = append(errs, src.errorf(indexPath(joinPath(path, "platforms"), i), "invalid platform %q (want os/arch[/variant], e.g. linux/amd64)", p))
		}
	}
	return errs
}
