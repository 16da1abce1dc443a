package linuxkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/boottest"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// bootRig is a runRig whose spec is the fixture kernel and init (real Debian kernel, busybox
// and runc) with one onboot container printing a nonce, and whose boot files are the host's.
type bootRig struct {
	*runRig
	nonce string
}

func newBootRig(t *testing.T) *bootRig {
	t.Helper()
	if testing.Short() {
		t.Skip("boots QEMU: skipped in -short mode")
	}
	testrig.Require(t, testrig.QEMUBinary)
	r := newRunRig(t)
	fx := testrig.PushFixtures(t, r.reg)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	nonce := hex.EncodeToString(b)
	r.spec = testrig.FixtureSpec(fx, "console=ttyS0 panic=-1", fmt.Sprintf(
		"onboot:\n  - name: nonce\n    image: %s\n    command: [\"/bin/sh\", \"-c\", \"echo GATE-%s\"]\n", fx.Service, nonce))
	r.bootDir = "" // the host's syslinux files: the media must really boot
	return &bootRig{runRig: r, nonce: nonce}
}

// bootRaw is raw with a boot_test block expecting expect under TCG.
func (r *bootRig) bootRaw(out string, formats []string, expect string, extra map[string]interface{}) map[string]interface{} {
	bt := map[string]interface{}{"expect": expect, "accel": boottest.AccelTCG, "timeout": testrig.BootTimeout.String()}
	for k, v := range extra {
		bt[k] = v
	}
	raw := r.raw(out, formats, map[string]interface{}{"boot_test": bt})
	delete(raw, "bootloader_dir")
	return raw
}

// TestRunBootTest boots iso-bios, raw-bios and vmdk (both subformats run elsewhere; this one
// is monolithicSparse) until the onboot container's nonce appears: the artifact lists each
// console log, which holds the nonce, and publishes the boot times in its state and labels.
func TestRunBootTest(t *testing.T) {
	r := newBootRig(t)
	formats := []string{FormatISOBIOS, FormatRawBIOS, FormatVMDK}
	var log uiLog
	a, err := r.build(context.Background(), t, log.ui(), r.bootRaw("ok", formats, "GATE-"+r.nonce, nil))
	if err != nil {
		t.Fatalf("build: %v\n%s", err, log.String())
	}
	art := a.(*Artifact)
	times, _ := art.State(artifact.StateBootTests).(map[string]string)
	for _, f := range formats {
		logPath := filepath.Join(r.dir, "ok", "lk-boot-"+f+".log")
		if !contains(art.Files(), logPath) {
			t.Errorf("Files() %v lacks %s", art.Files(), logPath)
		}
		if !strings.Contains(string(readBytes(t, logPath)), "GATE-"+r.nonce) {
			t.Errorf("%s lacks the nonce", logPath)
		}
		if times[f] == "" {
			t.Errorf("boot_tests state %v lacks %s", times, f)
		}
	}
	hcp, _ := art.State(registryimage.ArtifactStateURI).(*registryimage.Image)
	if hcp == nil || hcp.Labels["boot_test"] != "passed: iso-bios,raw-bios,vmdk" || hcp.Labels["boot_time_vmdk"] != times[FormatVMDK] {
		t.Errorf("HCP labels %v", hcp)
	}
	t.Logf("boot times: %v", times)
}

// TestRunBootTestFails expects a line the image never prints: the guest powers off, the build
// fails with the console's tail in the error, the output directory is removed and the whole
// console is saved beside it.
func TestRunBootTestFails(t *testing.T) {
	r := newBootRig(t)
	var log uiLog
	a, err := r.build(context.Background(), t, log.ui(), r.bootRaw("never", []string{FormatKernelInitrd, FormatISOBIOS}, "NEVER-"+r.nonce,
		map[string]interface{}{"formats": []string{FormatISOBIOS}}))
	if err == nil || a != nil {
		t.Fatalf("build = %v, %v; want a failure", a, err)
	}
	for _, want := range []string{"boot_test iso-bios failed", "last console lines:", "FIXTURE-INIT poweroff", "NEVER-" + r.nonce} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	checkNoOutputDir(t, filepath.Join(r.dir, "never"), &log)
	saved := filepath.Join(r.dir, "lk-boot-iso-bios.log")
	b, rerr := os.ReadFile(saved)
	if rerr != nil || !strings.Contains(string(b), "GATE-"+r.nonce) || !strings.Contains(err.Error(), saved) {
		t.Errorf("the console beside the output directory (%s): %v; the error must name it:\n%v", saved, rerr, err)
	}
}
