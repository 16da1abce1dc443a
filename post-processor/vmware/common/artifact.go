package common

// BuilderID identifies the artifacts of this post-processor, on every target.
const BuilderID = "seed844b7c54.linuxkit-vmware"

// State keys that the artifacts of every target carry (besides HCP Packer's
// par.artifact.metadata); each target adds its own.
const (
	// StateVMName is the VM's name (vm_name), a string.
	StateVMName = "vm_name"
	// StateIP is the guest's IP address, a string, set only when
	// wait_for_ip found one.
	StateIP = "ip"
	// StateTarget is the target the VM was made on.
	StateTarget = "target"
	// StateSpecDigest is the spec digest of the input artifact, passed on so
	// later post-processors can tell which image the VM runs.
	StateSpecDigest = "spec_digest"
)
