// Command lkbench is `make bench` (DESIGN §7): on the same inputs it times
// our engines (internal/initrd, internal/media, internal/vmdk, internal/rootfs)
// beside the peer tools doing the same work (cpio+gzip/pigz, xorriso,
// qemu-img, govc against vcsim, crane), with the peak RSS of each, checks that
// memory stays flat from 100 MiB to 1 GiB of layer content, prints a table
// and writes bench/results.md.
//
// Our side runs in a child process of this program (`lkbench run OP ...`)
// and, like every peer process, is started through bench/cmd/rssspawn, so
// each peak RSS (rusage maxrss) is the operation's own. Every timing is the
// median of -reps runs.
//
// Generated inputs are deterministic and cached in -work (bench/work, which
// git ignores); outputs are removed once measured.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"time"
)

// sections in the order they run; vsphere uploads what iso and vmdk wrote.
var sectionNames = []string{"initrd", "iso", "vmdk", "real", "build", "efi", "pull", "memory", "vsphere"}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "run" {
		if err := runChild(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "lkbench:", err)
			os.Exit(1)
		}
		return
	}
	if err := mainErr(); err != nil {
		fmt.Fprintln(os.Stderr, "lkbench:", err)
		os.Exit(1)
	}
}

func mainErr() error {
	work := flag.String("work", "bench/work", "directory for generated inputs (cached) and outputs")
	out := flag.String("out", "bench/results.md", `results file ("" for none)`)
	reps := flag.Int("reps", 3, "repetitions of each timing (the median is reported)")
	kernel := flag.String("kernel", "", "Linux kernel for the boot media (default: .cache/kernel/boot/vmlinuz-*)")
	govc := flag.String("govc", "", "govc binary (default: PATH, then the tools cache)")
	crane := flag.String("crane", "", "crane binary (default: the tools cache, then PATH)")
	vcsim := flag.String("vcsim", "bin/vcsim", "vcsim binary (scripts/tools.sh builds it)")
	only := flag.String("only", strings.Join(sectionNames, ","), "comma-separated sections to run")
	root := flag.String("root", ".", "repository root")
	packer := flag.String("packer", "bin/packer", "packer binary for the build section (scripts/tools.sh builds it)")
	spawn := flag.String("spawn", "", "rssspawn binary (default: go build ./bench/cmd/rssspawn into -work)")
	lkvsphere := flag.String("lkvsphere", "", "lkvsphere binary (default: go build ./bench/cmd/lkvsphere into -work)")
	flag.Parse()
	if *reps < 1 {
		return fmt.Errorf("-reps must be at least 1")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*work, 0o755); err != nil {
		return err
	}
	if spawner, err = helper(*spawn, *root, *work, "rssspawn"); err != nil {
		return err
	}
	vsBin, err := helper(*lkvsphere, *root, *work, "lkvsphere")
	if err != nil {
		return err
	}
	if rssDir, err = filepath.Abs(*work); err != nil {
		return err
	}
	s := &suite{self: self, lkvsphere: vsBin, work: *work, reps: *reps, kernel: findKernel(*root, *kernel), govc: findGovc(*govc), crane: findCrane(*crane), vcsim: *vcsim,
		root: *root, packer: *packer}
	want := map[string]bool{}
	for _, n := range strings.Split(*only, ",") {
		want[strings.TrimSpace(n)] = true
	}
	run := map[string]func() ([]Row, error){
		"initrd":  s.initrdSection,
		"iso":     s.isoSection,
		"vmdk":    s.vmdkSection,
		"real":    s.realSection,
		"build":   s.buildSection,
		"efi":     s.efiSection,
		"pull":    s.pullSection,
		"memory":  s.flatSection,
		"vsphere": s.vsphereSection,
	}
	start := time.Now()
	var rows []Row
	for _, name := range sectionNames {
		if !want[name] {
			continue
		}
		t := time.Now()
		fmt.Fprintf(os.Stderr, "lkbench: %s...\n", name)
		rs, err := run[name]()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(os.Stderr, "lkbench: %s done in %s\n", name, time.Since(t).Round(time.Second))
		rows = append(rows, rs...)
	}
	preamble := describe(s, time.Since(start))
	fmt.Println()
	writeText(os.Stdout, rows)
	fmt.Println()
	for _, p := range preamble {
		fmt.Println("  " + p)
	}
	if *out == "" {
		return nil
	}
	var b bytes.Buffer
	writeMarkdown(&b, preamble, rows)
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "lkbench: wrote %s\n", *out)
	return nil
}

// helper returns the absolute path of a helper binary: the flag's value,
// else bench/cmd/NAME built into the work directory.
func helper(flagValue, root, work, name string) (string, error) {
	if flagValue != "" {
		return filepath.Abs(flagValue)
	}
	p, err := filepath.Abs(filepath.Join(work, name))
	if err != nil {
		return "", err
	}
	b := exec.Command("go", "build", "-o", p, "./bench/cmd/"+name)
	b.Dir, b.Stderr = root, os.Stderr
	if err := b.Run(); err != nil {
		return "", fmt.Errorf("build %s: %w", name, err)
	}
	return p, nil
}

// findKernel returns the kernel to put on the boot media: the flag, else
// the newest .cache/kernel/boot/vmlinuz-* (scripts/kernel.sh), else "".
func findKernel(root, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	m, _ := filepath.Glob(filepath.Join(root, ".cache", "kernel", "boot", "vmlinuz-*"))
	sort.Strings(m)
	if len(m) == 0 {
		return ""
	}
	return m[len(m)-1]
}

// govcVersion is the govmomi version of the govc that scripts/bench.sh builds
// (bench/govc), the one our go.mod pins, so govc matches our vcsim.
const govcVersion = "0.56.0"

// findGovc returns the flag, else the copy scripts/bench.sh builds into the
// tools cache, else govc on PATH, else "".
func findGovc(flagValue string) string {
	return findTool(flagValue, "govc-v"+govcVersion, "govc")
}

// craneVersion is the go-containerregistry version this program is built
// with, the one go.mod pins: scripts/bench.sh builds crane at it.
func craneVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "github.com/google/go-containerregistry" {
				return m.Version
			}
		}
	}
	return ""
}

// findCrane returns the flag, else the copy scripts/bench.sh builds into the
// tools cache, else crane on PATH, else "".
func findCrane(flagValue string) string {
	return findTool(flagValue, "crane-"+craneVersion(), "crane")
}

// findTool returns flagValue when set, else bin in the tools cache's
// subdirectory sub (where scripts/bench.sh builds it), else bin on PATH,
// else "".
func findTool(flagValue, sub, bin string) string {
	if flagValue != "" {
		return flagValue
	}
	cache := os.Getenv("LINUXKIT_TOOLS_CACHE")
	if cache == "" {
		xdg := os.Getenv("XDG_CACHE_HOME")
		if xdg == "" {
			home, _ := os.UserHomeDir()
			xdg = filepath.Join(home, ".cache")
		}
		cache = filepath.Join(xdg, "packer-plugin-linuxkit")
	}
	p := filepath.Join(cache, sub, bin)
	if fileSize(p) > 0 {
		return p
	}
	if p, err := exec.LookPath(bin); err == nil {
		return p
	}
	return ""
}

// describe is the preamble of the report: when, where, with what, and how
// to read the numbers.
func describe(s *suite, took time.Duration) []string {
	lines := []string{
		fmt.Sprintf("Run %s UTC, %s, took %s.", time.Now().UTC().Format("2006-01-02 15:04"), host(), took.Round(time.Second)),
		"Tools: " + strings.Join(toolVersions(s), "; ") + ".",
		fmt.Sprintf("Times are the median of %d runs of the whole command (process start included, on both sides). RSS is the highest peak (rusage maxrss) over those runs, measured per process through bench/cmd/rssspawn, so each figure includes a floor of about 2 MiB (the spawner's own RSS, which Linux charges to the program it execs). Our side runs in a child process (`lkbench run`); a peer pipeline's RSS is the sum of its processes' peaks.", s.reps),
		"MB/s is the operation's input (tree, kernel+initrd, disk capacity, layer content) per second, 10^6 bytes. time peer/ours > 1 means we are faster; size ours/peer < 1 means our output is smaller.",
		"Inputs: rows marked REAL use real files (the Go distribution the bench was built with, without its *.a archives, and the Debian kernel); rows marked BUILD are whole `packer build` runs (bench/buildbench: the real packer, images from the loopback registry, warm cache); every other row uses the generated inputs described in bench/README.md.",
		"Our runs and the peer's alternate (ours, peer, ours, peer …), so both see the same machine load. The machine is shared with other work: compare the ratios within one run.",
		"Reproduce: `make bench` (all sections), or `./scripts/bench.sh -only real,build` for the real-input rows alone.",
	}
	if s.kernel != "" {
		lines = append(lines, "Kernel: "+filepath.Base(s.kernel)+".")
	}
	return append(lines, s.notes...)
}

// host describes the machine.
func host() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s), %s", runtime.NumCPU(), model, runtime.Version())
}

// toolVersions returns the first line of each peer tool's version.
func toolVersions(s *suite) []string {
	tools := [][]string{{"xorriso", "-version"}, {"qemu-img", "--version"}, {"cpio", "--version"}, {"gzip", "--version"}, {"pigz", "--version"}}
	if s.govc != "" {
		tools = append(tools, []string{s.govc, "version"})
	}
	if s.crane != "" {
		tools = append(tools, []string{s.crane, "version"})
	}
	var out []string
	for _, t := range tools {
		b, err := exec.Command(t[0], t[1:]...).CombinedOutput()
		line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
		line, _, _ = strings.Cut(line, " : ") // xorriso's banner
		switch {
		case err != nil && line == "":
			line = filepath.Base(t[0]) + " unavailable"
		case line == "govc 0.0.0" && strings.Contains(t[0], "govc-v"+govcVersion):
			line = "govc built from govmomi v" + govcVersion + " (bench/govc)"
		case t[0] == s.crane && err == nil:
			line = "crane " + line
		}
		out = append(out, line)
	}
	return out
}
