package vsphere

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/vmware/govmomi/find"
)

func TestCleanupByBuildID(t *testing.T) {
	s := sharedSim(t)
	d, tg := s.target(t)
	ctx := context.Background()
	before, err := find.NewFinder(d.Client()).VirtualMachineList(ctx, "/DC0/vm/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"b1-vm", "b1-running", "b1-template"} {
		vm, err := d.CreateVM(ctx, tg, minimalSpec(name, "b1"))
		if err != nil {
			t.Fatal(err)
		}
		switch name {
		case "b1-running":
			err = d.PowerOn(ctx, vm)
		case "b1-template":
			err = d.MarkAsTemplate(ctx, vm)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.CreateVM(ctx, tg, minimalSpec("b2-vm", "b2")); err != nil {
		t.Fatal(err)
	}

	removed, err := d.CleanupByBuildID(ctx, tg.Datacenter, "b1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(removed, ",") != "/DC0/vm/b1-vm,/DC0/vm/b1-running,/DC0/vm/b1-template" {
		t.Errorf("removed %v", removed)
	}
	if n := countBuild(t, d, "b1"); n != 0 {
		t.Errorf("%d VMs of build b1 left", n)
	}
	if n := countBuild(t, d, "b2"); n != 1 {
		t.Errorf("%d VMs of build b2 left, want 1", n)
	}
	after, err := find.NewFinder(d.Client()).VirtualMachineList(ctx, "/DC0/vm/*")
	if err != nil || len(after) != len(before)+1 {
		t.Errorf("%d VMs before, %d after (want one more: b2-vm), %v", len(before), len(after), err)
	}
	if removed, err := d.CleanupByBuildID(ctx, nil, "b1"); err != nil || len(removed) != 0 {
		t.Errorf("second cleanup: %v, %v", removed, err)
	}
	if _, err := d.CleanupByBuildID(ctx, nil, ""); err == nil {
		t.Error("cleanup of an empty build id ran")
	}
}

// TestConnectionCutMidUpload drops the network in the middle of an upload, then cleans up
// through a new session: the build's VM and its partial upload go, nothing else does.
func TestConnectionCutMidUpload(t *testing.T) {
	s := sharedSim(t)
	proxy := newCuttingProxy(t, s.Server.URL.Host)
	cfg := s.cfg
	cfg.Server = proxy.Addr()
	d, err := Connect(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.backoff = 1
	ctx := context.Background()
	tg, err := d.FindPlacement(ctx, clusterPlacement)
	if err != nil {
		t.Fatal(err)
	}

	// What another build, or the user, owns: it must survive the cleanup.
	keep, _ := writeFile(t, "keep.txt", 100, 9)
	if err := d.UploadFile(ctx, tg, keep, "linuxkit/keep.txt", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateVM(ctx, tg, minimalSpec("other-build", "b-other")); err != nil {
		t.Fatal(err)
	}
	// This build: a VM, then an upload the network drops after 1 MiB.
	if _, err := d.CreateVM(ctx, tg, minimalSpec("this-build", "b-cut")); err != nil {
		t.Fatal(err)
	}
	const size = 8 << 20
	local, _ := writeFile(t, "big.iso", size, 4)
	const dsPath = "linuxkit/big-0123456789ab.iso"
	proxy.arm(1 << 20)
	uploaded, err := d.UploadIfChanged(ctx, tg, local, dsPath, "", nil)
	if err == nil || !uploaded {
		t.Fatalf("upload through a cut connection: uploaded=%v, err=%v", uploaded, err)
	}
	t.Logf("upload error, as expected: %v", err)

	// Look directly at the simulator: a partial file was left behind.
	direct := s.connect(t)
	dtg, err := direct.FindPlacement(ctx, clusterPlacement)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := direct.FileInfo(ctx, dtg, dsPath); err != nil || !fi.Exists || fi.Size >= size {
		t.Fatalf("partial upload: %+v, %v", fi, err)
	}

	cfg.Logf = checkedLogf(t)
	err = ReconnectAndCleanup(ctx, cfg, clusterPlacement, "b-cut", []string{dsPath, "linuxkit/never-uploaded.iso"})
	if err != nil {
		t.Fatalf("ReconnectAndCleanup: %v", err)
	}
	if n := countBuild(t, direct, "b-cut"); n != 0 {
		t.Errorf("%d VMs of the cut build left", n)
	}
	if n := countBuild(t, direct, "b-other"); n != 1 {
		t.Errorf("the other build's VM is gone")
	}
	for p, want := range map[string]bool{dsPath: false, SidecarPath(dsPath): false, "linuxkit/keep.txt": true} {
		if fi, err := direct.FileInfo(ctx, dtg, p); err != nil || fi.Exists != want {
			t.Errorf("%s exists=%v (%v), want %v", p, fi.Exists, err, want)
		}
	}

	// With a wrong password the cleanup says so, without the password.
	cfg.Password = "not-" + testPassword
	err = ReconnectAndCleanup(ctx, cfg, clusterPlacement, "b-cut", nil)
	if !errors.Is(err, ErrInvalidLogin) {
		t.Errorf("cleanup with a wrong password: %v", err)
	}
	if err != nil {
		assertNoSecret(t, err)
	}
}
