// Command vmrun is the recording stand-in for VMware's vmrun, the one
// stand-in of the test rigs (DESIGN §6). Tests build it with `go build` into
// a temporary folder and point the desktop driver (vmrun_path) at it.
//
// Every call appends its arguments (without the program name) to the file
// $VMRUN_RECORD as one JSON array per line, so tests can assert the exact
// argv. It then answers like vmrun:
//
//   - start <vmx> [gui|nogui]: fails like vmrun if the .vmx does not exist;
//     if $VMRUN_BOOT_CMD is set, runs it with `sh -c` and $VMRUN_VMX set to
//     the .vmx path first (a test can boot the VM's disk in QEMU there);
//     then marks the VM running;
//   - getGuestIPAddress <vmx> [-wait]: prints $VMRUN_GUEST_IP (default
//     192.168.0.77) for a running VM;
//   - list: "Total running VMs: N" and one .vmx path a line;
//   - stop <vmx> [soft|hard]: marks the VM stopped;
//   - anything else: "Error: Unrecognized command: X", exit status 1.
//
// Running VMs are kept in $VMRUN_RECORD.running (JSON). Failures print
// "Error: …" on stdout with exit status 255, as vmrun does. For error paths,
// $VMRUN_FAIL (a comma-separated list of commands, alone or with their last
// parameter: "getGuestIPAddress", "stop:soft") makes those calls fail, and
// $VMRUN_HANG makes them block until killed.
//
// It touches nothing but those two files, and is never shipped.
package main
