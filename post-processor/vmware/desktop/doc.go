// Package desktop is the linuxkit-vmware post-processor's desktop targets,
// "fusion" and "workstation": their options (DesktopConfig), the steps that
// copy the boot medium into a VM folder, write the .vmx and drive vmrun, and
// the Artifact they make. VMX handling and vmrun live in internal/desktop;
// what both targets share lives in the common package.
package desktop
