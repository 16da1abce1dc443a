// Package testrig holds the test rigs of DESIGN §6: real parts that other packages' tests drive.
//
// It owns:
//   - locating host tools and artefacts (Require, RepoRoot, Kernel, OverlayModule, PackerBin),
//     failing when one is missing (skipping only under -short);
//   - fixture OCI images built in Go with go-containerregistry (KernelImage, InitImage,
//     InitIndex, ServiceImage, BusyboxImage), deterministic and cached per test process;
//   - a loopback registry (StartRegistry) on 127.0.0.2, so only insecure_registries reaches it;
//   - QEMU under TCG (Boot, BootAndWait) reading the serial console until a marker appears,
//     and TinyInitrd, a busybox initrd for booting media without the fixture images;
//   - govmomi's vCenter simulator on loopback (StartVCSim, NewVCSim), the one vcsim setup
//     that the driver's tests, the post-processor's tests and cmd/vcsim start, and
//     RecordRequests for the requests of an endpoint vcsim accepts but does not model;
//   - the real packer with this plugin installed (NewPacker, NewPackerRig, FixtureSpec,
//     Build, ReadDump), and the OCI config cases shared by spec and rootfs (OCICases).
//
// The fixture init (init.sh) stands in for linuxkit/init + runc + containerd: it runs each
// bundle with the real runc, and every marker a test waits for is printed by the container's own
// command, never by the init.
//
// It is used by tests and by its own commands (cmd/vcsim, cmd/vmrun, cmd/lkdemo, the program
// behind `make demo`) only: nothing else may import it. It must not import the
// Packer SDK nor any other package of this module, so the rigs prove the engine packages
// independently. internal/testrig/cmd/vcsim and internal/testrig/cmd/vmrun belong to others.
package testrig
