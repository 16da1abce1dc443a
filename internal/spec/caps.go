package spec

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// AllCapabilities is every capability the runtime knows, in kernel number
// order: the list linuxkit takes from moby/sys/capability's ListKnown, and
// the one "all" expands to.
var AllCapabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// Rlimits is every resource limit name linuxkit accepts in "rlimits".
var Rlimits = []string{
	"RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE",
	"RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS",
	"RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE",
	"RLIMIT_RTPRIO", "RLIMIT_RTTIME",
}

var (
	knownCaps    = setOf(AllCapabilities)
	knownRlimits = setOf(Rlimits)
)

func setOf(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}

// expandCaps applies linuxkit's rule: a list holding only "all" (any case)
// means every capability, only "none" means no capability; otherwise every
// entry must be a known CAP_ name (case-sensitive, as in linuxkit). The
// error names the offending entry and its index.
func expandCaps(caps []string) ([]string, int, error) {
	if len(caps) == 1 {
		switch strings.ToLower(caps[0]) {
		case "none":
			return []string{}, 0, nil
		case "all":
			return append([]string(nil), AllCapabilities...), 0, nil
		}
	}
	for i, c := range caps {
		if !knownCaps[c] {
			return nil, i, unknownCapError(c)
		}
	}
	return caps, 0, nil
}

// unknownCapError explains an unknown capability, with the likely intended
// spelling.
func unknownCapError(c string) error {
	msg := fmt.Sprintf("unknown capability %q", c)
	up := strings.ToUpper(c)
	switch {
	case strings.EqualFold(c, "all") || strings.EqualFold(c, "none"):
		msg += fmt.Sprintf(" (%q is only valid as the only entry of the list)", c)
	case knownCaps[up]:
		msg += fmt.Sprintf(" (did you mean %q? capabilities are upper case)", up)
	case knownCaps["CAP_"+up]:
		msg += fmt.Sprintf(" (did you mean %q?)", "CAP_"+up)
	default:
		if s := suggest(up, AllCapabilities); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
	}
	return fmt.Errorf("%s", msg)
}

// parseRlimit parses linuxkit's "name,soft,hard" form. The name may omit
// the RLIMIT_ prefix and is case-insensitive; soft and hard are numbers or
// "unlimited".
func parseRlimit(s string) (specs.POSIXRlimit, error) {
	parts := strings.SplitN(s, ",", 3)
	if len(parts) != 3 {
		return specs.POSIXRlimit{}, fmt.Errorf("cannot parse rlimit %q: want \"name,soft,hard\" (e.g. \"nofile,1024,4096\")", s)
	}
	name := strings.ToUpper(strings.TrimSpace(parts[0]))
	if !strings.HasPrefix(name, "RLIMIT_") {
		name = "RLIMIT_" + name
	}
	if !knownRlimits[name] {
		// linuxkit prints an empty name here (it formats a variable that is
		// never set); we name the limit that was written.
		msg := fmt.Sprintf("unknown limit %q", strings.TrimSpace(parts[0]))
		if sug := suggest(name, Rlimits); sug != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", sug)
		}
		return specs.POSIXRlimit{}, fmt.Errorf("%s", msg)
	}
	soft, err := parseLimit(parts[1])
	if err != nil {
		return specs.POSIXRlimit{}, err
	}
	hard, err := parseLimit(parts[2])
	if err != nil {
		return specs.POSIXRlimit{}, err
	}
	return specs.POSIXRlimit{Type: name, Soft: soft, Hard: hard}, nil
}

func parseLimit(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "unlimited") {
		return math.MaxUint64, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("cannot parse limit %q: want a number or \"unlimited\"", s)
	}
	return n, nil
}

// parseOctalMode parses a permission string such as "0600" or "755".
func parseOctalMode(s string) (uint32, error) {
	if s == "" || len(s) > 6 || strings.Trim(s, "01234567") != "" {
		return 0, fmt.Errorf("mode %q is not an octal permission string like \"0644\"", s)
	}
	n, err := strconv.ParseUint(s, 8, 32)
	if err != nil || n > 07777 {
		return 0, fmt.Errorf("mode %q is out of range (0000 to 7777)", s)
	}
	return uint32(n), nil
}

// bindSpec is a parsed "source:destination[:options]" bind.
type bindSpec struct {
	src, dst string
	opts     []string
}

// parseBind parses a bind like linuxkit: without options it mounts
// "rw,rbind,rshared"; with options it appends "rbind" to them.
func parseBind(b string) (bindSpec, error) {
	parts := strings.Split(b, ":")
	if len(parts) < 2 {
		return bindSpec{}, fmt.Errorf("cannot parse bind %q: missing ':' (want \"source:destination[:options]\")", b)
	}
	if len(parts) > 3 {
		return bindSpec{}, fmt.Errorf("cannot parse bind %q: too many ':'", b)
	}
	if parts[0] == "" || parts[1] == "" {
		return bindSpec{}, fmt.Errorf("cannot parse bind %q: empty source or destination", b)
	}
	opts := []string{"rw", "rbind", "rshared"}
	if len(parts) == 3 {
		opts = append(strings.Split(parts[2], ","), "rbind")
	}
	return bindSpec{src: parts[0], dst: parts[1], opts: opts}, nil
}

// parseTmpfs parses "destination[:options]".
func parseTmpfs(t string) (specs.Mount, error) {
	parts := strings.Split(t, ":")
	if len(parts) > 2 {
		return specs.Mount{}, fmt.Errorf("cannot parse tmpfs %q: too many ':'", t)
	}
	if parts[0] == "" {
		return specs.Mount{}, fmt.Errorf("cannot parse tmpfs %q: empty destination", t)
	}
	var opts []string
	if len(parts) == 2 {
		opts = strings.Split(parts[1], ",")
	}
	return specs.Mount{Destination: parts[0], Type: "tmpfs", Source: "tmpfs", Options: opts}, nil
}

// completeMount fills a mount's type, source and destination the way
// linuxkit does: the type defaults from well-known sources (and tmpfs for
// /dev), the source defaults to the type, the destination to the usual
// mount point of the type.
func completeMount(m specs.Mount) (specs.Mount, error) {
	if m.Type == "" {
		switch m.Source {
		case "mqueue", "devpts", "proc", "sysfs", "cgroup":
			m.Type = m.Source
		}
	}
	if m.Type == "" && m.Destination == "/dev" {
		m.Type = "tmpfs"
	}
	if m.Type == "" {
		return m, fmt.Errorf("mount for destination %q is missing type", m.Destination)
	}
	if m.Source == "" {
		m.Source = m.Type
	}
	if m.Destination == "" {
		m.Destination = map[string]string{
			"proc": "/proc", "devpts": "/dev/pts", "sysfs": "/sys",
			"cgroup": "/sys/fs/cgroup", "mqueue": "/dev/mqueue",
		}[m.Type]
	}
	if m.Destination == "" {
		return m, fmt.Errorf("mount of type %q is missing destination", m.Type)
	}
	return m, nil
}
