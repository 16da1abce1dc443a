// Package vsphere is the engine behind the post-processor's vSphere target: a Driver over
// govmomi that connects to vCenter, resolves where a VM goes, uploads files to a datastore,
// creates a VM (from an ISO) or imports one (from a streamOptimized vmdk through a generated
// OVF and an NFC lease), powers it on, waits for its IP, shuts it down, turns it into a
// template or a content library item, and removes what a build created.
//
// Each file is one concept:
//
//   - connect.go: ConnectConfig, Connect, the SOAP session with keep-alive, the lazy vAPI
//     (REST) session, Close;
//   - find.go: FindPlacement turns the user's placement names into a Target;
//   - upload.go: datastore uploads, the sha256 sidecar that lets a rebuild skip an unchanged
//     file, FileInfo and DeleteFile;
//   - names.go: ValidateName and ValidateFolder, the names vSphere keeps as given;
//   - vm.go: VMSpec and its checks; FindVM, ClearName, DestroyVM;
//   - createvm.go: CreateVM, device by device, and the configuration added once it exists;
//   - importvm.go: ImportVM, the OVF envelope written in Go and the NFC upload;
//   - undo.go: what a failed CreateVM or ImportVM made (the VM, its datastore folder) goes;
//   - power.go, guest.go, info.go: power state, WaitForIP, Shutdown, Describe;
//   - template.go, library.go: RemoveSerialPorts, MarkAsTemplate, PublishToLibrary;
//   - hardware.go, nics.go, folder.go, storagepod.go: the hardware standards (Hardware),
//     several NICs (NIC), folders made on demand (Placement.CreateFolder), the datastore a
//     datastore cluster's Storage DRS recommends (Placement.DatastoreCluster);
//   - tags.go: ResolveTags and AttachTags through the vAPI tagging service;
//   - ipwait.go: WaitForIPAddress, filtered by network and CIDR and settled;
//   - cleanup.go: Build, CleanupBuild and ReconnectAndCleanupBuild (VMs by the
//     linuxkit.build-id tag, the listed files and library items), CleanupByBuildID;
//   - retry.go, errors.go: transient-fault retries and the errors callers can test for,
//     CleanupError among them, which names what a cleanup could not remove.
//
// Every VM this package creates carries extraConfig linuxkit.build-id (BuildIDKey), so a
// cleanup after a dropped connection can find exactly what one build made. Files are only
// ever deleted when the caller names them; nothing is deleted by pattern.
//
// Passwords never appear in an error or a log line: Connect strips user information from
// the server address and scrubs the password from every error it returns.
//
// The package must not import the Packer SDK, and it knows nothing about Packer's state bag
// or UI: the steps in post-processor/vmware call it and report through ConnectConfig.Logf and
// the progress callbacks. It does not build disks (internal/vmdk) or decide file names.
package vsphere
