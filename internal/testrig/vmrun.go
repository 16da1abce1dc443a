package testrig

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// RecordingVMRun builds the recording vmrun (cmd/vmrun) into a temporary folder and returns
// its path and the record file it appends each call's argv to; the caller passes the record
// file as $VMRUN_RECORD, and $VMRUN_GUEST_IP / $VMRUN_BOOT_CMD as the test needs.
func RecordingVMRun(t testing.TB) (bin, record string) {
	t.Helper()
	dir := t.TempDir()
	bin = filepath.Join(dir, "vmrun")
	cmd := exec.Command("go", "build", "-o", bin, "./internal/testrig/cmd/vmrun")
	cmd.Dir = RepoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testrig: building the recording vmrun: %v\n%s", err, out)
	}
	return bin, filepath.Join(dir, "record.jsonl")
}

// ReadVMRunCalls returns the argv of every vmrun call recorded in record so far and removes
// the file, so each phase of a test sees its own calls.
func ReadVMRunCalls(t testing.TB, record string) [][]string {
	t.Helper()
	data, err := os.ReadFile(record)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("testrig: vmrun record: %v", err)
	}
	if err := os.Remove(record); err != nil {
		t.Fatalf("testrig: vmrun record: %v", err)
	}
	var calls [][]string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var argv []string
		if err := json.Unmarshal(sc.Bytes(), &argv); err != nil {
			t.Fatalf("testrig: vmrun record line %q: %v", sc.Text(), err)
		}
		calls = append(calls, argv)
	}
	return calls
}
