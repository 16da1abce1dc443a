//go:build unix

package boottest

import (
	"os/exec"
	"syscall"
)

// ownGroup makes cmd the leader of a new process group, so kill reaches
// every process QEMU starts.
func ownGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// killGroup kills cmd's process group.
func killGroup(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
