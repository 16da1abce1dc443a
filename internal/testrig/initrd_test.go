package testrig

import (
	"os/exec"
	"strings"
	"testing"
)

// TestTinyInitrd lists the initrd with the host's gzip and cpio: a newc archive holding /init,
// which prints the marker only in two halves, and the static busybox it runs.
func TestTinyInitrd(t *testing.T) {
	const marker = "TINY-INITRD-0123456789"
	p := TinyInitrd(t, marker)
	out, err := exec.Command("sh", "-c", "gzip -dc < "+p+" | cpio --quiet -it").CombinedOutput()
	if err != nil {
		t.Fatalf("listing %s: %v\n%s", p, err, out)
	}
	names := map[string]bool{}
	for _, n := range strings.Fields(string(out)) {
		names[n] = true
	}
	for _, want := range []string{"init", "bin/busybox", "dev", "proc", "sys"} {
		if !names[want] {
			t.Errorf("initrd lacks %s: %q", want, out)
		}
	}
	script, err := exec.Command("sh", "-c", "gzip -dc < "+p+" | cpio --quiet -i --to-stdout init").Output()
	if err != nil {
		t.Fatalf("extracting /init: %v", err)
	}
	if strings.Contains(string(script), marker) || !strings.Contains(string(script), "TINY-INITRD") {
		t.Errorf("/init must print the marker only when run (split in two):\n%s", script)
	}
}
