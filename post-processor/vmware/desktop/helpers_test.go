package desktop_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	vmwdesktop "github.com/seed844b7c54/packer-plugin-linuxkit/internal/desktop"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// dtRig is the recording vmrun stand-in (internal/testrig/cmd/vmrun), built
// for one test, with its record file in the test's environment.
type dtRig struct {
	vmrun  string // the stand-in's path, for vmrun_path
	record string // $VMRUN_RECORD
}

// newDesktopRig builds the recording vmrun and points $VMRUN_RECORD at a
// fresh file. Every other variable the stand-in reads starts empty (unset).
func newDesktopRig(t *testing.T) *dtRig {
	t.Helper()
	vmwaretest.CleanEnv(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "vmrun")
	cmd := exec.Command("go", "build", "-o", bin, "./internal/testrig/cmd/vmrun")
	cmd.Dir = testrig.RepoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the recording vmrun: %v\n%s", err, out)
	}
	r := &dtRig{vmrun: bin, record: filepath.Join(dir, "record.jsonl")}
	t.Setenv("VMRUN_RECORD", r.record)
	for _, v := range []string{"VMRUN_GUEST_IP", "VMRUN_BOOT_CMD", "VMRUN_FAIL", "VMRUN_HANG"} {
		t.Setenv(v, "")
	}
	return r
}

// calls returns the recorded argv of every vmrun call so far, and forgets
// them, so each phase of a test checks its own calls.
func (r *dtRig) calls(t *testing.T) [][]string {
	t.Helper()
	data, err := os.ReadFile(r.record)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(r.record); err != nil {
		t.Fatal(err)
	}
	var calls [][]string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var argv []string
		if err := json.Unmarshal(sc.Bytes(), &argv); err != nil {
			t.Fatalf("record line %q: %v", sc.Text(), err)
		}
		calls = append(calls, argv)
	}
	return calls
}

// wantCalls fails unless the recorded calls are exactly want.
func (r *dtRig) wantCalls(t *testing.T, want ...[]string) {
	t.Helper()
	got := r.calls(t)
	if !dtEqualArgv(got, want) {
		t.Errorf("vmrun calls:\n got %q\nwant %q", got, want)
	}
}

func dtEqualArgv(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") || len(a[i]) != len(b[i]) {
			return false
		}
	}
	return true
}

// dtUI is a Packer UI that records what it was told, and can call a hook on
// each message (to cancel a build at a given point).
type dtUI struct {
	packersdk.Ui
	mu     sync.Mutex
	says   []string
	errors []string
	onSay  func(string)
}

func newDTUI() *dtUI {
	return &dtUI{Ui: &packersdk.BasicUi{Reader: strings.NewReader(""), Writer: &bytes.Buffer{}, ErrorWriter: &bytes.Buffer{}}}
}

func (u *dtUI) Say(m string) {
	u.mu.Lock()
	u.says = append(u.says, m)
	hook := u.onSay
	u.mu.Unlock()
	if hook != nil {
		hook(m)
	}
}

func (u *dtUI) Error(m string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.errors = append(u.errors, m)
}

func (u *dtUI) errorText() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return strings.Join(u.errors, "\n")
}

// dtReadVMX parses a .vmx into a map of its keys as written (without
// .encoding).
func dtReadVMX(t *testing.T, path string) map[string]string {
	t.Helper()
	v, err := vmwdesktop.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the generated .vmx: %v", err)
	}
	m := map[string]string{}
	for _, k := range v.Keys() {
		m[k], _ = v.Get(k)
	}
	return m
}

// dtWantVMX compares a parsed .vmx with want, key by key, both ways.
func dtWantVMX(t *testing.T, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("vmx: %s missing, want %q", k, w)
		} else if g != w {
			t.Errorf("vmx: %s = %q, want %q", k, g, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("vmx: unexpected key %s = %q", k, g)
		}
	}
}

// dtBaseVMX is every key Generate writes for an amd64 BIOS VM, before the
// devices that depend on the options.
func dtBaseVMX(name string, cpus, memory string) map[string]string {
	m := map[string]string{
		"config.version":     "8",
		"virtualHW.version":  "19",
		"displayName":        name,
		"guestOS":            "other5xlinux-64",
		"firmware":           "bios",
		"numvcpus":           cpus,
		"memsize":            memory,
		"pciBridge0.present": "TRUE",
		"vmci0.present":      "TRUE",
		"hpet0.present":      "TRUE",
		"floppy0.present":    "FALSE",
		"tools.syncTime":     "TRUE",
		"msg.autoAnswer":     "TRUE",
	}
	for _, b := range []string{"pciBridge4", "pciBridge5", "pciBridge6", "pciBridge7"} {
		m[b+".present"] = "TRUE"
		m[b+".virtualDev"] = "pcieRootPort"
		m[b+".functions"] = "8"
	}
	return m
}

// dtMerge returns a copy of base with every map of over applied in turn.
func dtMerge(base map[string]string, over ...map[string]string) map[string]string {
	out := map[string]string{}
	maps.Copy(out, base)
	for _, o := range over {
		maps.Copy(out, o)
	}
	return out
}
