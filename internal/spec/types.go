package spec

import (
	"encoding/json"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Spec is one LinuxKit YAML document (or the merge of several): the kernel,
// the init images, the onboot/onshutdown/service containers, extra files and
// volumes. Field names and YAML keys are linuxkit's.
type Spec struct {
	// Kernel is the kernel image; nil when the spec has no kernel section.
	Kernel *Kernel `yaml:"kernel" json:"kernel,omitempty"`
	// Init lists the images flattened into the root filesystem, in order.
	Init []string `yaml:"init" json:"init,omitempty"`
	// Onboot containers run sequentially at boot, before the services.
	Onboot []*Image `yaml:"onboot" json:"onboot,omitempty"`
	// Onshutdown containers run sequentially at shutdown.
	Onshutdown []*Image `yaml:"onshutdown" json:"onshutdown,omitempty"`
	// Services are the long-running containers started by containerd.
	Services []*Image `yaml:"services" json:"services,omitempty"`
	// Files are extra files, directories and symlinks added to the rootfs.
	Files []*File `yaml:"files" json:"files,omitempty"`
	// Volumes are named, optionally image-populated directories that
	// containers can bind by name.
	Volumes []*Volume `yaml:"volumes" json:"volumes,omitempty"`
	// Trust is linuxkit's removed content-trust section. It is accepted so
	// old specs still parse, is ignored, and produces a warning. It never
	// reaches the canonical form.
	Trust *Trust `yaml:"trust" json:"-"`

	// Warnings are non-fatal remarks found while parsing (for example a
	// trust section), with their positions. Callers should show them.
	Warnings []*Error `yaml:"-" json:"-"`

	// initPos holds the position of each Init entry (same length as Init,
	// or nil when unknown), so later errors can name the file and line.
	initPos []Pos
}

// Kernel is the kernel section: the image that holds the kernel, its command
// line and the names of the files to take from the image.
type Kernel struct {
	// Image is the reference of the kernel image.
	Image string `yaml:"image" json:"image"`
	// Cmdline is the kernel command line.
	Cmdline string `yaml:"cmdline" json:"cmdline,omitempty"`
	// Binary is the name of the kernel file in the image (default "kernel").
	Binary string `yaml:"binary" json:"binary,omitempty"`
	// Tar is the name of the modules tarball in the image (default
	// "kernel.tar"; "none" for no tarball). nil means the default.
	Tar *string `yaml:"tar" json:"tar,omitempty"`
	// UCode is the name of a CPU microcode cpio in the image, prepended to
	// the initrd. nil or "" means none.
	UCode *string `yaml:"ucode" json:"ucode,omitempty"`

	// Pos is where the kernel section was written.
	Pos Pos `yaml:"-" json:"-"`
	src *source
}

// Image is one container of the onboot, onshutdown or services sections:
// a name, an image reference and the container configuration.
type Image struct {
	// Name names the container; it is also its bundle directory name and a
	// user/group name that files and other containers may refer to.
	Name string `yaml:"name" json:"name"`
	// Image is the image reference as written (or pinned).
	Image string `yaml:"image" json:"image"`
	// ImageConfig holds the container settings written inline with the
	// name and image.
	ImageConfig `yaml:",inline"`

	// Pos is where the list entry was written.
	Pos Pos `yaml:"-" json:"-"`
	src *source
}

// ImageConfig is the container configuration: every field linuxkit accepts
// in a spec entry and in an image's "org.mobyproject.config" label. Pointer
// fields distinguish "not set" (nil) from "set to empty", which matters for
// the label < spec precedence.
type ImageConfig struct {
	Capabilities      *[]string               `yaml:"capabilities" json:"capabilities,omitempty"`
	CapabilitiesAdd   *[]string               `yaml:"capabilities.add" json:"capabilities.add,omitempty"`
	Ambient           *[]string               `yaml:"ambient" json:"ambient,omitempty"`
	Mounts            *[]specs.Mount          `yaml:"mounts" json:"mounts,omitempty"`
	Binds             *[]string               `yaml:"binds" json:"binds,omitempty"`
	BindsAdd          *[]string               `yaml:"binds.add" json:"binds.add,omitempty"`
	Devices           *[]Device               `yaml:"devices" json:"devices,omitempty"`
	Tmpfs             *[]string               `yaml:"tmpfs" json:"tmpfs,omitempty"`
	Command           *[]string               `yaml:"command" json:"command,omitempty"`
	Env               *[]string               `yaml:"env" json:"env,omitempty"`
	Cwd               string                  `yaml:"cwd" json:"cwd,omitempty"`
	Net               string                  `yaml:"net" json:"net,omitempty"`
	Pid               string                  `yaml:"pid" json:"pid,omitempty"`
	Ipc               string                  `yaml:"ipc" json:"ipc,omitempty"`
	Uts               string                  `yaml:"uts" json:"uts,omitempty"`
	Userns            string                  `yaml:"userns" json:"userns,omitempty"`
	Hostname          string                  `yaml:"hostname" json:"hostname,omitempty"`
	Readonly          *bool                   `yaml:"readonly" json:"readonly,omitempty"`
	MaskedPaths       *[]string               `yaml:"maskedPaths" json:"maskedPaths,omitempty"`
	ReadonlyPaths     *[]string               `yaml:"readonlyPaths" json:"readonlyPaths,omitempty"`
	UID               *ID                     `yaml:"uid" json:"uid,omitempty"`
	GID               *ID                     `yaml:"gid" json:"gid,omitempty"`
	AdditionalGids    *[]ID                   `yaml:"additionalGids" json:"additionalGids,omitempty"`
	NoNewPrivileges   *bool                   `yaml:"noNewPrivileges" json:"noNewPrivileges,omitempty"`
	OOMScoreAdj       *int                    `yaml:"oomScoreAdj" json:"oomScoreAdj,omitempty"`
	RootfsPropagation *string                 `yaml:"rootfsPropagation" json:"rootfsPropagation,omitempty"`
	CgroupsPath       *string                 `yaml:"cgroupsPath" json:"cgroupsPath,omitempty"`
	Resources         *specs.LinuxResources   `yaml:"resources" json:"resources,omitempty"`
	Sysctl            *map[string]string      `yaml:"sysctl" json:"sysctl,omitempty"`
	Rlimits           *[]string               `yaml:"rlimits" json:"rlimits,omitempty"`
	UIDMappings       *[]specs.LinuxIDMapping `yaml:"uidMappings" json:"uidMappings,omitempty"`
	GIDMappings       *[]specs.LinuxIDMapping `yaml:"gidMappings" json:"gidMappings,omitempty"`
	Annotations       *map[string]string      `yaml:"annotations" json:"annotations,omitempty"`
	// Runtime is read by linuxkit's init at run time (runtime.json), not
	// used to build config.json.
	Runtime *Runtime `yaml:"runtime" json:"runtime,omitempty"`
}

// Device exposes a device node to a container. Path "all" allows every
// device of Type in the device cgroup instead of creating a node.
type Device struct {
	Path  string `yaml:"path" json:"path"`
	Type  string `yaml:"type" json:"type"`
	Major int64  `yaml:"major" json:"major"`
	Minor int64  `yaml:"minor" json:"minor"`
	// Mode is the octal permission string, e.g. "0666".
	Mode string `yaml:"mode" json:"mode,omitempty"`
}

// Runtime is the part of a container's configuration that linuxkit's init
// applies when it starts the container (runtime.json): cgroups to create,
// extra mounts, directories, network interfaces and namespace bind mounts.
// The JSON tags reproduce linuxkit's runtime.json byte for byte.
type Runtime struct {
	Cgroups    *[]string      `yaml:"cgroups" json:"cgroups,omitempty"`
	Mounts     *[]specs.Mount `yaml:"mounts" json:"mounts,omitempty"`
	Mkdir      *[]string      `yaml:"mkdir" json:"mkdir,omitempty"`
	Interfaces *[]Interface   `yaml:"interfaces" json:"interfaces,omitempty"`
	BindNS     *Namespaces    `yaml:"bindNS" json:"bindNS,omitempty"`
	Namespace  *string        `yaml:"namespace" json:"namespace,omitempty"`
}

// Namespaces names the paths where a container's namespaces are bind
// mounted after it starts (runtime.bindNS), so others can join them.
type Namespaces struct {
	Cgroup *string `yaml:"cgroup" json:"cgroup,omitempty"`
	Ipc    *string `yaml:"ipc" json:"ipc,omitempty"`
	Mnt    *string `yaml:"mnt" json:"mnt,omitempty"`
	Net    *string `yaml:"net" json:"net,omitempty"`
	Pid    *string `yaml:"pid" json:"pid,omitempty"`
	User   *string `yaml:"user" json:"user,omitempty"`
	Uts    *string `yaml:"uts" json:"uts,omitempty"`
}

// Interface is a network interface that init creates or moves into the
// container's network namespace (runtime.interfaces).
type Interface struct {
	Name         string `yaml:"name" json:"name,omitempty"`
	Add          string `yaml:"add" json:"add,omitempty"`
	Peer         string `yaml:"peer" json:"peer,omitempty"`
	CreateInRoot bool   `yaml:"createInRoot" json:"createInRoot"`
}

// File is one entry of the files section: exactly one of Contents, Source,
// Symlink, Directory or Metadata says what it is.
type File struct {
	Path      string  `yaml:"path" json:"path"`
	Directory bool    `yaml:"directory" json:"directory,omitempty"`
	Symlink   string  `yaml:"symlink" json:"symlink,omitempty"`
	Contents  *string `yaml:"contents" json:"contents,omitempty"`
	// Source is a host file whose content is copied in. A relative path
	// resolves from BaseDir; a leading "~/" means the user's home. Reading
	// it is the builder's job, never this package's.
	Source string `yaml:"source" json:"source,omitempty"`
	// Metadata is "yaml" or "json": the file receives the spec itself.
	Metadata string `yaml:"metadata" json:"metadata,omitempty"`
	// Optional skips a Source that does not exist.
	Optional bool `yaml:"optional" json:"optional,omitempty"`
	// Mode is the octal permission string, e.g. "0600" (default 0600, or
	// 0700 for directories).
	Mode string `yaml:"mode" json:"mode,omitempty"`
	UID  *ID    `yaml:"uid" json:"uid,omitempty"`
	GID  *ID    `yaml:"gid" json:"gid,omitempty"`

	// BaseDir is the directory of the YAML file that named this entry
	// (filepath.Dir of the name given to Parse), so the builder resolves a
	// relative Source from there and specs stay portable.
	BaseDir string `yaml:"-" json:"-"`
	// Pos is where the list entry was written.
	Pos Pos `yaml:"-" json:"-"`
	src *source
}

// Volume is one entry of the volumes section: a directory under
// /containers/volumes/<name>, empty or filled from an image.
type Volume struct {
	Name     string `yaml:"name" json:"name"`
	Image    string `yaml:"image" json:"image,omitempty"`
	ReadOnly bool   `yaml:"readonly" json:"readonly,omitempty"`
	// Format is "filesystem" (default: the image's files) or "oci" (an OCI
	// layout of the image for Platforms).
	Format    string   `yaml:"format" json:"format,omitempty"`
	Platforms []string `yaml:"platforms" json:"platforms,omitempty"`

	// Pos is where the list entry was written.
	Pos Pos `yaml:"-" json:"-"`
	src *source
}

// Trust is linuxkit's deprecated content-trust section, kept only so that
// old specs parse.
type Trust struct {
	Image []string `yaml:"image" json:"image,omitempty"`
	Org   []string `yaml:"org" json:"org,omitempty"`
}

// ID is a uid or gid as written in a spec: a number, or a name that is
// resolved when the image is built (see IDResolver).
type ID struct {
	// Name is set when the ID was written as a string.
	Name string
	// Number is the ID when Name is empty.
	Number uint32
}

// NumericID returns an ID holding the number n.
func NumericID(n uint32) *ID { return &ID{Number: n} }

// NamedID returns an ID holding the name s.
func NamedID(s string) *ID { return &ID{Name: s} }

// String returns the name, or the number in decimal.
func (id ID) String() string {
	if id.Name != "" {
		return id.Name
	}
	return fmt.Sprint(id.Number)
}

// MarshalJSON writes a name as a JSON string and a number as a number, so
// the canonical form keeps what the user wrote.
func (id ID) MarshalJSON() ([]byte, error) {
	if id.Name != "" {
		return json.Marshal(id.Name)
	}
	return json.Marshal(id.Number)
}

// Pos is a position in a YAML source: the file name given to Parse, the
// 1-based line and column, and the field path (e.g. "services[2].binds[0]").
type Pos struct {
	File   string
	Line   int
	Column int
	Path   string
}

// String formats the position as "file:line:col" (parts that are unknown
// are left out).
func (p Pos) String() string {
	s := p.File
	if p.Line > 0 {
		if s == "" {
			s = "<spec>"
		}
		s = fmt.Sprintf("%s:%d", s, p.Line)
		if p.Column > 0 {
			s = fmt.Sprintf("%s:%d", s, p.Column)
		}
	}
	return s
}
