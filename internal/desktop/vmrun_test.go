package desktop

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

const standInPkg = "github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig/cmd/vmrun"

var (
	standInOnce sync.Once
	standInDir  string
	standInPath string
	standInErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if standInDir != "" {
		os.RemoveAll(standInDir)
	}
	os.Exit(code)
}

// standIn builds the recording vmrun once per test binary.
func standIn(t *testing.T) string {
	t.Helper()
	goBin := requireTool(t, "go")
	standInOnce.Do(func() {
		standInDir, standInErr = os.MkdirTemp("", "vmrun-standin-")
		if standInErr != nil {
			return
		}
		standInPath = filepath.Join(standInDir, "vmrun")
		if runtime.GOOS == "windows" {
			standInPath += ".exe"
		}
		out, err := exec.Command(goBin, "build", "-o", standInPath, standInPkg).CombinedOutput()
		if err != nil {
			standInErr = fmt.Errorf("go build %s: %v\n%s", standInPkg, err, out)
		}
	})
	if standInErr != nil {
		t.Fatal(standInErr)
	}
	return standInPath
}

// rig is one test's recording vmrun: its record file and a VM folder with
// an (empty) .vmx in it.
type rig struct {
	v      *Vmrun
	record string
	vmx    string
	logs   []string
}

func newRig(t *testing.T, target string) *rig {
	t.Helper()
	dir := t.TempDir()
	r := &rig{record: filepath.Join(dir, "vmrun.jsonl"), vmx: filepath.Join(dir, "vm", "lk.vmx")}
	if err := os.MkdirAll(filepath.Dir(r.vmx), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := New().WriteFile(r.vmx); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VMRUN_RECORD", r.record)
	t.Setenv("VMRUN_FAIL", "")
	t.Setenv("VMRUN_HANG", "")
	t.Setenv("VMRUN_GUEST_IP", "")
	t.Setenv("VMRUN_BOOT_CMD", "")
	v, err := NewVmrun(target, standIn(t))
	if err != nil {
		t.Fatal(err)
	}
	v.Logf = func(f string, a ...any) { r.logs = append(r.logs, fmt.Sprintf(f, a...)) }
	r.v = v
	return r
}

// calls returns the argv of every recorded call.
func (r *rig) calls(t *testing.T) [][]string {
	t.Helper()
	f, err := os.Open(r.record)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var argv []string
		if err := json.Unmarshal(sc.Bytes(), &argv); err != nil {
			t.Fatalf("record line %q: %v", sc.Text(), err)
		}
		out = append(out, argv)
	}
	return out
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestVmrunLifecycle(t *testing.T) {
	r := newRig(t, "workstation")
	ctx := testCtx(t)
	if err := r.v.Start(ctx, r.vmx, false); err != nil {
		t.Fatal(err)
	}
	running, err := r.v.IsRunning(ctx, r.vmx)
	if err != nil || !running {
		t.Fatalf("IsRunning = %v, %v", running, err)
	}
	ip, err := r.v.GuestIP(ctx, r.vmx, time.Minute)
	if err != nil || ip != "192.168.0.77" {
		t.Fatalf("GuestIP = %q, %v", ip, err)
	}
	if err := r.v.Stop(ctx, r.vmx, false); err != nil {
		t.Fatal(err)
	}
	if running, err := r.v.IsRunning(ctx, r.vmx); err != nil || running {
		t.Fatalf("IsRunning after stop = %v, %v", running, err)
	}
	want := [][]string{
		{"-T", "ws", "start", r.vmx, "nogui"},
		{"-T", "ws", "list"},
		{"-T", "ws", "getGuestIPAddress", r.vmx, "-wait"},
		{"-T", "ws", "stop", r.vmx, "soft"},
		{"-T", "ws", "list"},
	}
	if got := r.calls(t); !reflect.DeepEqual(got, want) {
		t.Fatalf("recorded argv:\n%q\nwant:\n%q", got, want)
	}
	if len(r.logs) == 0 || !strings.Contains(r.logs[0], "-T ws start "+r.vmx+" nogui") {
		t.Errorf("Logf got %q", r.logs)
	}
}

func TestVmrunFusionGUIRelativePathAndIP(t *testing.T) {
	r := newRig(t, "fusion")
	t.Setenv("VMRUN_GUEST_IP", "10.1.2.3")
	t.Chdir(filepath.Dir(r.vmx))
	ctx := testCtx(t)
	if err := r.v.Start(ctx, "lk.vmx", true); err != nil {
		t.Fatal(err)
	}
	ip, err := r.v.GuestIP(ctx, "lk.vmx", 0)
	if err != nil || ip != "10.1.2.3" {
		t.Fatalf("GuestIP = %q, %v", ip, err)
	}
	if err := r.v.Stop(ctx, "lk.vmx", true); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("lk.vmx")
	want := [][]string{
		{"-T", "fusion", "start", abs, "gui"},
		{"-T", "fusion", "getGuestIPAddress", abs, "-wait"},
		{"-T", "fusion", "stop", abs, "hard"},
	}
	if got := r.calls(t); !reflect.DeepEqual(got, want) {
		t.Fatalf("recorded argv:\n%q\nwant:\n%q", got, want)
	}
}

func TestVmrunErrorsCarryOutput(t *testing.T) {
	r := newRig(t, "workstation")
	ctx := testCtx(t)
	missing := filepath.Join(filepath.Dir(r.vmx), "missing.vmx")
	err := r.v.Start(ctx, missing, false)
	if err == nil || !strings.Contains(err.Error(), "Error: Cannot open VM: "+missing) || !strings.Contains(err.Error(), "exit status 255") {
		t.Fatalf("Start(missing) = %v", err)
	}
	err = r.v.Stop(ctx, r.vmx, false)
	if err == nil || !strings.Contains(err.Error(), "The virtual machine is not powered on: "+r.vmx) {
		t.Fatalf("Stop(not running) = %v", err)
	}
	if err := r.v.Start(ctx, r.vmx, false); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VMRUN_FAIL", "getGuestIPAddress")
	_, err = r.v.GuestIP(ctx, r.vmx, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "Error: simulated failure of getGuestIPAddress") ||
		!strings.Contains(err.Error(), "getGuestIPAddress "+r.vmx+" -wait") {
		t.Fatalf("GuestIP = %v", err)
	}
	t.Setenv("VMRUN_FAIL", "")
	t.Setenv("VMRUN_GUEST_IP", "unknown")
	_, err = r.v.GuestIP(ctx, r.vmx, time.Minute)
	if err == nil || !strings.Contains(err.Error(), `not an IP address: "unknown`) {
		t.Fatalf("GuestIP(unknown) = %v", err)
	}
	_, err = r.v.run(ctx, "bogus")
	if err == nil || !strings.Contains(err.Error(), "exit status 1: Error: Unrecognized command: bogus") {
		t.Fatalf("run(bogus) = %v", err)
	}
	t.Setenv("VMRUN_FAIL", "list")
	if _, err := r.v.IsRunning(ctx, r.vmx); err == nil || !strings.Contains(err.Error(), "simulated failure of list") {
		t.Fatalf("IsRunning = %v", err)
	}
	t.Logf("example error: %v", err)
	bad := &Vmrun{Path: filepath.Join(t.TempDir(), "no-vmrun"), Type: "ws"}
	if err := bad.Start(ctx, r.vmx, false); err == nil || !strings.Contains(err.Error(), "(no output)") {
		t.Fatalf("Start with a missing vmrun = %v", err)
	}
}

// GuestIP gives up at its timeout: the stand-in hangs like a vmrun waiting
// for VMware Tools that never report, and is killed.
func TestVmrunGuestIPTimeout(t *testing.T) {
	r := newRig(t, "workstation")
	ctx := testCtx(t)
	if err := r.v.Start(ctx, r.vmx, false); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VMRUN_HANG", "getGuestIPAddress")
	start := time.Now()
	_, err := r.v.GuestIP(ctx, r.vmx, 300*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no guest IP address within 300ms") {
		t.Fatalf("GuestIP = %v", err)
	}
	t.Logf("error: %v", err)
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("GuestIP took %s to time out", d)
	}
}

func TestVmrunShutdown(t *testing.T) {
	t.Run("soft works", func(t *testing.T) {
		r := newRig(t, "workstation")
		ctx := testCtx(t)
		if err := r.v.Start(ctx, r.vmx, false); err != nil {
			t.Fatal(err)
		}
		if err := r.v.Shutdown(ctx, r.vmx, time.Minute); err != nil {
			t.Fatal(err)
		}
		if got := r.calls(t); len(got) != 2 || got[1][4] != "soft" {
			t.Fatalf("calls = %q", got)
		}
	})
	for _, mode := range []string{"VMRUN_FAIL", "VMRUN_HANG"} {
		t.Run(mode+" soft, then hard", func(t *testing.T) {
			r := newRig(t, "workstation")
			ctx := testCtx(t)
			if err := r.v.Start(ctx, r.vmx, false); err != nil {
				t.Fatal(err)
			}
			t.Setenv(mode, "stop:soft")
			if err := r.v.Shutdown(ctx, r.vmx, 300*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			want := [][]string{
				{"-T", "ws", "start", r.vmx, "nogui"},
				{"-T", "ws", "stop", r.vmx, "soft"},
				{"-T", "ws", "list"},
				{"-T", "ws", "stop", r.vmx, "hard"},
			}
			if got := r.calls(t); !reflect.DeepEqual(got, want) {
				t.Fatalf("recorded argv:\n%q\nwant:\n%q", got, want)
			}
		})
	}
	t.Run("not running is fine", func(t *testing.T) {
		r := newRig(t, "workstation")
		if err := r.v.Shutdown(testCtx(t), r.vmx, time.Minute); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("hard fails too", func(t *testing.T) {
		r := newRig(t, "workstation")
		ctx := testCtx(t)
		if err := r.v.Start(ctx, r.vmx, false); err != nil {
			t.Fatal(err)
		}
		t.Setenv("VMRUN_FAIL", "stop")
		err := r.v.Shutdown(ctx, r.vmx, time.Minute)
		if err == nil || !strings.Contains(err.Error(), "hard stop after a failed soft stop") {
			t.Fatalf("Shutdown = %v", err)
		}
	})
}

// VMRUN_BOOT_CMD runs at start with VMRUN_VMX naming the VM, and its
// failure fails the start.
func TestStandInBootCommand(t *testing.T) {
	requireTool(t, "sh")
	r := newRig(t, "workstation")
	ctx := testCtx(t)
	marker := filepath.Join(t.TempDir(), "booted")
	t.Setenv("VMRUN_BOOT_CMD", `printf %s "$VMRUN_VMX" > "`+marker+`"`)
	if err := r.v.Start(ctx, r.vmx, false); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(marker); err != nil || string(b) != r.vmx {
		t.Fatalf("boot command saw %q, %v", b, err)
	}
	if err := r.v.Stop(ctx, r.vmx, true); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VMRUN_BOOT_CMD", "exit 3")
	err := r.v.Start(ctx, r.vmx, false)
	if err == nil || !strings.Contains(err.Error(), "failed to start: boot command: exit status 3") {
		t.Fatalf("Start = %v", err)
	}
	if running, _ := r.v.IsRunning(ctx, r.vmx); running {
		t.Fatal("a VM whose boot failed is listed as running")
	}
}

func TestParseList(t *testing.T) {
	got, err := parseList("Total running VMs: 2\r\n/a/b.vmx\r\n/c d/e.vmx\r\n")
	if err != nil || !reflect.DeepEqual(got, []string{"/a/b.vmx", "/c d/e.vmx"}) {
		t.Fatalf("parseList = %q, %v", got, err)
	}
	got, err = parseList("Total running VMs: 0\n")
	if err != nil || len(got) != 0 {
		t.Fatalf("parseList(0) = %q, %v", got, err)
	}
	for _, bad := range []string{"", "Error: something", "Total running VMs: x\n", "Total running VMs: 2\n/a.vmx\n"} {
		if _, err := parseList(bad); err == nil {
			t.Errorf("parseList(%q) succeeded", bad)
		}
	}
}

func TestNewVmrunRejectsUnknownTarget(t *testing.T) {
	if _, err := NewVmrun("player", "/x"); err == nil {
		t.Fatal("NewVmrun(player) succeeded")
	}
}
