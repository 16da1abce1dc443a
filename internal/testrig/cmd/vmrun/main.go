package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// defaultGuestIP is what getGuestIPAddress prints unless $VMRUN_GUEST_IP
// says otherwise.
const defaultGuestIP = "192.168.0.77"

// valueFlags are vmrun's authentication flags; each takes one value.
var valueFlags = map[string]bool{
	"-T": true, "-h": true, "-P": true, "-u": true, "-p": true, "-vp": true, "-gu": true, "-gp": true,
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the exit, returning vmrun's exit code: 0 on success,
// 255 for a failed command (vmrun's -1), 1 for an unknown command.
func run(args []string, stdout, stderr io.Writer) int {
	record := os.Getenv("VMRUN_RECORD")
	if record == "" {
		fmt.Fprintln(stdout, "Error: VMRUN_RECORD is not set (recording vmrun stand-in)")
		return 2
	}
	if err := appendRecord(record, args); err != nil {
		fmt.Fprintf(stdout, "Error: recording the command: %v\n", err)
		return 2
	}
	cmd, params := split(args)
	if cmd == "" {
		fmt.Fprintln(stdout, "Error: no command given")
		return 1
	}
	if listed(os.Getenv("VMRUN_HANG"), cmd, params) {
		hang()
	}
	if listed(os.Getenv("VMRUN_FAIL"), cmd, params) {
		fmt.Fprintf(stdout, "Error: simulated failure of %s\n", cmd)
		return 255
	}
	st := &state{path: record + ".running"}
	if err := st.load(); err != nil {
		fmt.Fprintf(stdout, "Error: %v\n", err)
		return 255
	}
	switch cmd {
	case "list":
		fmt.Fprintf(stdout, "Total running VMs: %d\n", len(st.vms))
		for _, vm := range st.vms {
			fmt.Fprintln(stdout, vm)
		}
		return 0
	case "start", "stop", "getGuestIPAddress":
	default:
		fmt.Fprintf(stdout, "Error: Unrecognized command: %s\n", cmd)
		return 1
	}
	if len(params) < 1 {
		fmt.Fprintln(stdout, "Error: Invalid number of parameters")
		return 255
	}
	vmx := params[0]
	switch cmd {
	case "start":
		return start(st, vmx, stdout, stderr)
	case "stop":
		if !slices.Contains(st.vms, vmx) {
			fmt.Fprintf(stdout, "Error: The virtual machine is not powered on: %s\n", vmx)
			return 255
		}
		st.vms = slices.DeleteFunc(st.vms, func(s string) bool { return s == vmx })
		return st.saveOrFail(stdout)
	default: // getGuestIPAddress
		if !slices.Contains(st.vms, vmx) {
			fmt.Fprintf(stdout, "Error: The virtual machine is not powered on: %s\n", vmx)
			return 255
		}
		ip := os.Getenv("VMRUN_GUEST_IP")
		if ip == "" {
			ip = defaultGuestIP
		}
		fmt.Fprintln(stdout, ip)
		return 0
	}
}

// start marks vmx running, after running $VMRUN_BOOT_CMD (if set) with
// $VMRUN_VMX naming the VM, so a test can boot the VM's disk for real.
func start(st *state, vmx string, stdout, stderr io.Writer) int {
	if fi, err := os.Stat(vmx); err != nil || fi.IsDir() {
		fmt.Fprintf(stdout, "Error: Cannot open VM: %s, The virtual machine cannot be found\n", vmx)
		return 255
	}
	if slices.Contains(st.vms, vmx) {
		return 0 // vmrun start on a running VM does nothing
	}
	if boot := os.Getenv("VMRUN_BOOT_CMD"); boot != "" {
		c := exec.Command("sh", "-c", boot)
		c.Env = append(os.Environ(), "VMRUN_VMX="+vmx)
		c.Stdout, c.Stderr = stderr, stderr
		if err := c.Run(); err != nil {
			fmt.Fprintf(stdout, "Error: The virtual machine failed to start: boot command: %v\n", err)
			return 255
		}
	}
	st.vms = append(st.vms, vmx)
	return st.saveOrFail(stdout)
}

// split separates vmrun's flags from the command and its parameters.
func split(args []string) (string, []string) {
	for i := 0; i < len(args); i++ {
		if valueFlags[args[i]] {
			i++
			continue
		}
		return args[i], args[i+1:]
	}
	return "", nil
}

// listed reports whether the comma-separated list names cmd, either alone
// ("stop") or with its last parameter ("stop:soft").
func listed(list, cmd string, params []string) bool {
	for _, e := range strings.Split(list, ",") {
		if e == cmd || len(params) > 0 && e == cmd+":"+params[len(params)-1] {
			return true
		}
	}
	return false
}

// hang blocks until the process is killed or interrupted, standing in for a
// vmrun that waits forever (getGuestIPAddress -wait without VMware Tools).
func hang() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	<-c
	os.Exit(255)
}

// appendRecord appends args as one JSON line.
func appendRecord(path string, args []string) error {
	line, err := json.Marshal(append([]string{}, args...))
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// state is the list of running VMs, kept in a JSON file beside the record.
type state struct {
	path string
	vms  []string
}

func (s *state) load() error {
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &s.vms); err != nil {
		return fmt.Errorf("state file %s: %w", s.path, err)
	}
	return nil
}

func (s *state) saveOrFail(stdout io.Writer) int {
	b, err := json.Marshal(append([]string{}, s.vms...))
	if err == nil {
		tmp := filepath.Join(filepath.Dir(s.path), "."+filepath.Base(s.path)+".tmp")
		if err = os.WriteFile(tmp, b, 0o644); err == nil {
			err = os.Rename(tmp, s.path)
		}
	}
	if err != nil {
		fmt.Fprintf(stdout, "Error: saving state: %v\n", err)
		return 255
	}
	return 0
}
