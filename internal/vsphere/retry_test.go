package vsphere

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
	"testing"

	"github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/vim25/types"
)

func TestIsTransient(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("boom"), false},
		{context.Canceled, false},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{&url.Error{Op: "Post", URL: "https://vc/sdk", Err: syscall.ECONNRESET}, true},
		{&url.Error{Op: "Post", URL: "https://vc/sdk", Err: io.EOF}, true},
		{&net.OpError{Op: "read", Err: syscall.ECONNRESET}, true},
		{fmt.Errorf("upload: %w", io.ErrUnexpectedEOF), true},
		{errors.New("503 Service Unavailable"), true},
		{task.Error{LocalizedMethodFault: &types.LocalizedMethodFault{Fault: &types.TaskInProgress{}}}, true},
		{task.Error{LocalizedMethodFault: &types.LocalizedMethodFault{Fault: &types.InvalidPowerState{}}}, false},
		{&url.Error{Op: "Post", URL: "https://vc/sdk", Err: syscall.ECONNREFUSED}, false},
	} {
		if got := isTransient(tc.err); got != tc.want {
			t.Errorf("isTransient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestRetriesOnlySafeCalls(t *testing.T) {
	s := newSim(t)
	d, tg := s.target(t)
	ctx := context.Background()

	// Destroy is retried past two TaskInProgress faults.
	vm, err := d.CreateVM(ctx, tg, minimalSpec("busy", "b"))
	if err != nil {
		t.Fatal(err)
	}
	s.AddFault("Destroy_Task", &types.TaskInProgress{}, 2)
	if err := d.DestroyVM(ctx, vm); err != nil {
		t.Fatalf("DestroyVM with a busy VM: %v", err)
	}
	if got, _ := d.FindVM(ctx, tg, "busy"); got != nil {
		t.Error("the VM survived DestroyVM")
	}
	injected := func(rule int) int64 {
		n, _ := s.Model.Service.GetFaultStats()[fmt.Sprintf("rule_%d_count", rule)].(int64)
		return n
	}
	if n := injected(0); n != 2 {
		t.Errorf("%d faults injected into Destroy_Task, want 2", n)
	}

	// Reads too: the datastore browser search behind FileInfo.
	s.AddFault("SearchDatastore_Task", &types.TaskInProgress{}, 1)
	if _, err := d.FileInfo(ctx, tg, "linuxkit/x.iso"); err != nil || injected(1) != 1 {
		t.Errorf("FileInfo with one transient fault: %v (%d injected)", err, injected(1))
	}

	// Creation is not retried: a transient fault is returned as it is.
	s.AddFault("CreateVM_Task", &types.TaskInProgress{}, 1)
	if _, err := d.CreateVM(ctx, tg, minimalSpec("once", "b")); err == nil || injected(2) != 1 {
		t.Errorf("CreateVM with a fault it must not retry: %v (%d injected)", err, injected(2))
	}

	// Out of attempts: the last error comes back.
	d.attempts = 2
	vm, err = d.CreateVM(ctx, tg, minimalSpec("stuck", "b"))
	if err != nil {
		t.Fatal(err)
	}
	s.AddFault("Destroy_Task", &types.TaskInProgress{}, 5)
	if err := d.DestroyVM(ctx, vm); err == nil || !isTransient(err) {
		t.Errorf("DestroyVM of a VM that stays busy: %v", err)
	}
}
