package boottest_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/boottest"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// TestRunEarlyExit boots the kernel without an initrd: it panics (no root), panic=-1 reboots
// and -no-reboot ends QEMU, so Run fails fast with a Failure whose message shows the tail.
func TestRunEarlyExit(t *testing.T) {
	if testing.Short() {
		t.Skip("boots QEMU: skipped in -short mode")
	}
	res, err := boottest.Run(context.Background(), boottest.Options{Kernel: testrig.Kernel(t), MemoryMB: 256, Accel: boottest.AccelTCG},
		regexp.MustCompile("NEVER-PRINTED"), 60*time.Second)
	var f *boottest.Failure
	if !errors.As(err, &f) {
		t.Fatalf("Run = %v, want a Failure", err)
	}
	for _, want := range []string{"QEMU exited", "Kernel panic", "last console lines:", "-accel tcg"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if !strings.Contains(res.Console, "Kernel panic") || res.Duration <= 0 || res.Accel != boottest.AccelTCG {
		t.Errorf("result %+v lacks the panic, the duration or the accelerator", res)
	}
}

// TestRunMatch boots a busybox initrd that prints a nonce, and TestConsoleDeadline gives up at
// the deadline and reaps QEMU.
func TestRunMatch(t *testing.T) {
	if testing.Short() {
		t.Skip("boots QEMU: skipped in -short mode")
	}
	nonce := "BOOTTEST-OK-" + time.Now().Format("150405.000000")
	res, err := boottest.Run(context.Background(), boottest.Options{Kernel: testrig.Kernel(t), Initrd: testrig.TinyInitrd(t, nonce), MemoryMB: 256, Accel: boottest.AccelTCG},
		regexp.MustCompile(regexp.QuoteMeta(nonce)), testrig.BootTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("nonce after %s", res.Duration.Round(time.Millisecond))
}

func TestConsoleDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("boots QEMU: skipped in -short mode")
	}
	c, err := boottest.Start(boottest.Options{Kernel: testrig.Kernel(t), MemoryMB: 256, Accel: boottest.AccelTCG})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := c.WaitFor(ctx, regexp.MustCompile("NEVER-PRINTED")); err == nil || !strings.Contains(err.Error(), "not seen on the console") {
		t.Fatalf("WaitFor past the deadline: %v", err)
	}
	c.Close()
	if _, err := c.WaitExit(context.Background()); err == nil {
		t.Error("a killed QEMU exited cleanly")
	}
	c.Close() // idempotent
}
