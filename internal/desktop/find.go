package desktop

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Targets of the desktop post-processor, and the vmrun -T host types they
// map to.
const (
	TargetFusion      = "fusion"
	TargetWorkstation = "workstation"
)

// DefaultFusionApp is where VMware Fusion is installed unless
// FUSION_APP_PATH says otherwise.
const DefaultFusionApp = "/Applications/VMware Fusion.app"

// hostEnv is what vmrun discovery reads from the host; tests replace it.
type hostEnv struct {
	goos     string
	getenv   func(string) string
	lookPath func(string) (string, error)
	isFile   func(string) bool
}

func realHost() hostEnv {
	return hostEnv{goos: runtime.GOOS, getenv: os.Getenv, lookPath: exec.LookPath, isFile: isFile}
}

// FindVmrun returns the path of the vmrun for target ("fusion" or
// "workstation"). An explicit path (vmrun_path) wins and must exist. Else:
//   - fusion (macOS only): $FUSION_APP_PATH/Contents/Library/vmrun, then
//     /Applications/VMware Fusion.app/Contents/Library/vmrun, then PATH;
//   - workstation on Linux: PATH, then /usr/bin/vmrun, /usr/local/bin/vmrun;
//   - workstation on Windows: PATH, then vmrun.exe under
//     %ProgramFiles(x86)% and %ProgramFiles% \VMware\VMware Workstation.
//
// When nothing is found, the error lists every place tried.
func FindVmrun(target, explicit string) (string, error) {
	return findVmrun(realHost(), target, explicit)
}

func findVmrun(h hostEnv, target, explicit string) (string, error) {
	if err := oneOf("target", target, TargetFusion, TargetWorkstation); err != nil {
		return "", err
	}
	if explicit != "" {
		if !h.isFile(explicit) {
			return "", fmt.Errorf("vmrun_path %q: no such file", explicit)
		}
		return explicit, nil
	}
	var candidates []string
	switch {
	case target == TargetFusion && h.goos != "darwin":
		return "", fmt.Errorf("target fusion: VMware Fusion runs only on macOS, this host is %s (use target workstation, or set vmrun_path)", h.goos)
	case target == TargetWorkstation && h.goos == "darwin":
		return "", fmt.Errorf("target workstation: VMware Workstation does not run on macOS (use target fusion, or set vmrun_path)")
	case target == TargetFusion:
		if app := h.getenv("FUSION_APP_PATH"); app != "" {
			candidates = append(candidates, filepath.Join(app, "Contents", "Library", "vmrun"))
		}
		candidates = append(candidates, DefaultFusionApp+"/Contents/Library/vmrun")
	case h.goos == "windows":
		for _, env := range []string{"ProgramFiles(x86)", "ProgramFiles"} {
			if dir := h.getenv(env); dir != "" {
				candidates = append(candidates, dir+`\VMware\VMware Workstation\vmrun.exe`)
			}
		}
		candidates = append(candidates,
			`C:\Program Files (x86)\VMware\VMware Workstation\vmrun.exe`,
			`C:\Program Files\VMware\VMware Workstation\vmrun.exe`)
	default:
		candidates = append(candidates, "/usr/bin/vmrun", "/usr/local/bin/vmrun")
	}
	var tried []string
	if target == TargetWorkstation {
		if p, err := h.lookPath("vmrun"); err == nil {
			return p, nil
		}
		tried = append(tried, "vmrun in PATH")
	}
	seen := map[string]bool{}
	for _, c := range candidates {
		if seen[c] {
			continue
		}
		seen[c] = true
		if h.isFile(c) {
			return c, nil
		}
		tried = append(tried, c)
	}
	if target == TargetFusion {
		if p, err := h.lookPath("vmrun"); err == nil {
			return p, nil
		}
		tried = append(tried, "vmrun in PATH")
	}
	return "", fmt.Errorf("target %s: vmrun not found (tried: %s); install VMware %s or set vmrun_path",
		target, strings.Join(tried, "; "), productName(target))
}

// productName is the product a target drives, for messages.
func productName(target string) string {
	if target == TargetFusion {
		return "Fusion"
	}
	return "Workstation"
}

// HostType returns vmrun's -T value for a target: "fusion" or "ws".
func HostType(target string) (string, error) {
	switch target {
	case TargetFusion:
		return "fusion", nil
	case TargetWorkstation:
		return "ws", nil
	}
	return "", oneOf("target", target, TargetFusion, TargetWorkstation)
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}
