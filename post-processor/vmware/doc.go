// Package vmware is the Packer post-processor "linuxkit-vmware": it turns the
// linuxkit builder's artifact into a VMware virtual machine, either on a
// desktop hypervisor (target "fusion" or "workstation", driven by vmrun) or on
// vSphere (target "vsphere": a VM, a template or a content library item).
//
// This package is the one Packer component: it owns Config (the target, with
// the shared common.HardwareConfig and each target's options squashed in, so
// they are top-level keys), its generated *.hcl2spec.go, Configure with the
// rule that one target's options are an error on the other, and the
// PostProcess dispatch on the target. Each target's steps and artifact live
// in its sub-package, desktop or vsphere; what they share lives in common.
package vmware
