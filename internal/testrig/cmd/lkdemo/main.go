// Command lkdemo is `make demo`: the plugin's main job as a user meets it, on this machine
// alone. It starts the parts a real pipeline talks to — a registry serving the images the
// example spec names (built from Debian's kernel, busybox and runc, as the tests build them)
// and a vCenter (govmomi's vcsim) — then runs the real `packer build` on
// example/vsphere-golden-image with packer's own UI (whose boot_test boots the ISO in QEMU
// before anything reaches vSphere), prints what the build made and the line the ISO's onboot
// container printed, and stops everything it started, also on Ctrl-C.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// options are the demo's inputs; make demo sets them all.
type options struct {
	repo    string // the checkout
	packer  string // the packer binary
	plugin  string // the plugin binary to install
	output  string // where the artifacts go (kept after the demo)
	vmName  string
	library string
}

// The names the example's variables take in the demo; vcsim's default inventory holds them.
const (
	datacenter = "DC0"
	cluster    = "DC0_C0"
	datastore  = "LocalDS_0"
	helloLine  = "hello from a LinuxKit golden image"
)

func main() {
	var o options
	flag.StringVar(&o.repo, "repo", ".", "the checkout")
	flag.StringVar(&o.packer, "packer", "bin/packer", "the packer binary")
	flag.StringVar(&o.plugin, "plugin", "packer-plugin-linuxkit", "the plugin binary to install")
	flag.StringVar(&o.output, "output", "output-demo", "the artifacts' directory (replaced on each run)")
	flag.StringVar(&o.vmName, "vm-name", "golden", "the VM name the example's vm_name variable gets")
	flag.StringVar(&o.library, "library", "golden-images", "the content library the demo creates")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	p := testrig.NewProgram(ctx, "lkdemo", os.Stderr)
	err := p.Run(func() { demo(ctx, p, o) })
	say("stopping the registry and vcsim")
	p.Close()
	switch {
	case ctx.Err() != nil:
		say("interrupted; everything the demo started is stopped")
		os.Exit(130)
	case err != nil:
		fmt.Fprintf(os.Stderr, "demo: FAILED: %v\n", err)
		os.Exit(1)
	}
	say("done in %s", time.Since(start).Round(time.Second))
}

// say prints one line of the demo's own narration, set apart from packer's UI.
func say(format string, args ...any) {
	fmt.Printf("==> demo: "+format+"\n", args...)
}

func demo(ctx context.Context, p *testrig.Program, o options) {
	abs := func(path string) string {
		a, err := filepath.Abs(filepath.Join(o.repo, path))
		if err != nil {
			p.Fatalf("%s: %v", path, err)
		}
		return a
	}
	example := abs("example/vsphere-golden-image")
	spec := abs("example/spec/hello.yml")
	work := p.TempDir()

	say("building the images example/spec/hello.yml names (Debian's cloud kernel, busybox, runc) and serving them as a Docker Hub mirror")
	reg := testrig.StartRegistry(p)
	pushed := testrig.PushSpecImages(p, reg, spec)
	sort.Strings(pushed)
	for _, ref := range pushed {
		fmt.Printf("    %s\n", ref)
	}

	sim := testrig.StartVCSim(p, testrig.WithAnyLogin())
	say("vCenter simulator (vcsim) at https://%s/sdk; creating the content library %q on %s", sim.Host(), o.library, datastore)
	vc := testrig.DialVCenter(ctx, p, sim.URL)
	vc.CreateLibrary(ctx, p, datacenter, datastore, o.library)

	pluginDir := filepath.Join(work, "plugins")
	env := append(os.Environ(),
		"PACKER_PLUGIN_PATH="+pluginDir, "CHECKPOINT_DISABLE=1",
		"GOVC_URL="+sim.URL.String(), "GOVC_INSECURE=1")
	env = append(env, testrig.TCGEnv()...)
	say("installing the plugin: packer plugins install --path %s", o.plugin)
	runPacker(ctx, p, o.packer, env, io.Discard, "plugins", "install", "--path", abs(o.plugin), "github.com/seed844b7c54/linuxkit")

	before := map[string]bool{}
	for _, vm := range vc.VMs(ctx, p) {
		before[vm.Path] = true
	}
	output := abs(o.output)
	args := []string{"build", "-force",
		"-var", "registry_mirror=" + reg.Host,
		"-var", fmt.Sprintf(`insecure_registries=["%s"]`, reg.Host),
		"-var", "cache_dir=" + filepath.Join(work, "cache"),
		"-var", "output_directory=" + output,
		"-var", "vm_name=" + o.vmName,
		"-var", "datacenter=" + datacenter, "-var", "cluster=" + cluster,
		"-var", "datastore=" + datastore, "-var", "library=" + o.library,
		example}
	say("packer %s", strings.Join(args, " "))
	runPacker(ctx, p, o.packer, env, os.Stdout, args...)

	say("the build added to vSphere (as `govc find / -type m` and `govc library.ls '%s/*'` list them):", o.library)
	for _, vm := range vc.VMs(ctx, p) {
		if before[vm.Path] {
			continue // vcsim's own inventory
		}
		kind := "VM"
		if vm.Template {
			kind = "template"
		}
		fmt.Printf("    %-40s %s\n", vm.Path, kind)
	}
	for _, item := range vc.LibraryItems(ctx, p, o.library) {
		fmt.Printf("    /%s/%s\n", o.library, item)
	}

	say("the artifacts in %s:", o.output)
	iso := listArtifacts(p, output)

	// The template's boot_test booted the ISO in QEMU before anything reached vSphere; its
	// console log holds the line the onboot container printed.
	bootLog := filepath.Join(output, "golden-boot-iso-bios.log")
	say("the builder's boot_test booted %s in QEMU before it reached vSphere; from %s:", filepath.Base(iso), filepath.Base(bootLog))
	data, err := os.ReadFile(bootLog)
	if err != nil {
		p.Fatalf("reading the boot_test console: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, helloLine) {
			fmt.Printf("    console: %s\n", strings.TrimSpace(line))
			return
		}
	}
	p.Fatalf("the boot_test console %s lacks %q", bootLog, helloLine)
}

// runPacker runs packer with env, its output to out, in its own process group so that a
// Ctrl-C reaches it once, through ctx: packer then cleans up and exits, and the demo waits.
func runPacker(ctx context.Context, p *testrig.Program, packer string, env []string, out io.Writer, args ...string) {
	cmd := exec.Command(packer, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, out, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		p.Fatalf("packer: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		say("Ctrl-C: asking packer to cancel and clean up")
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) // ESRCH only when it has just exited
		select {
		case err = <-done:
		case <-time.After(2 * time.Minute):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			err = <-done
		}
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		p.Fatalf("packer %s exited with %d", args[0], exit.ExitCode())
	} else if err != nil {
		p.Fatalf("packer %s: %v", args[0], err)
	}
}

// listArtifacts prints each file in dir with its size and sha256, and returns the ISO's path.
func listArtifacts(p *testrig.Program, dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		p.Fatalf("artifacts: %v", err)
	}
	iso := ""
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		sum, size := fileSum(p, path)
		fmt.Printf("    %-28s %10d bytes  sha256:%s\n", e.Name(), size, sum)
		if strings.HasSuffix(e.Name(), ".iso") {
			iso = path
		}
	}
	if iso == "" {
		p.Fatalf("the build wrote no ISO into %s", dir)
	}
	return iso
}

// fileSum returns the hex sha256 and the size of the file at path.
func fileSum(p *testrig.Program, path string) (string, int64) {
	f, err := os.Open(path)
	if err != nil {
		p.Fatalf("artifacts: %v", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		p.Fatalf("artifacts: %s: %v", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}
