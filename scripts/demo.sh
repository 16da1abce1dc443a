#!/usr/bin/env bash
# make demo: the main job, offline, on an embedded default.
#
# What it does, honestly: it runs the builder's acceptance test verbosely. That
# test builds LinuxKit fixture images in Go (Debian's cloud kernel; an init with
# busybox and the real runc; a small service image), serves them from a real
# registry on 127.0.0.2, writes a spec and a template, runs the REAL packer
# v1.16.0 with this plugin installed by `packer plugins install --path`, and
# boots every output (kernel+initrd, iso-bios as CD and as disk, raw-bios, vmdk
# in both subformats) in QEMU, reading the serial console until the onboot
# container — run by runc from the bundle we wrote — prints its nonce,
# capabilities, uid, hostname and the files section. It also rebuilds to show
# byte-identical output, and rebuilds offline with the registry stopped.
#
# The desktop post-processor's demo (VMX + vmrun, booted in QEMU) runs too when
# that test exists. vSphere needs a vCenter; its tests run against vcsim.
set -euo pipefail
cd "$(dirname "$0")/.."
export PACKER_BIN=${PACKER_BIN:-$PWD/bin/packer}
echo "demo: building fixture images, a loopback registry, then packer build + QEMU boots (about a minute)"
go build -tags lktest -o bin/packer-plugin-linuxkit-lktest .
LINUXKIT_PLUGIN_BIN=$PWD/bin/packer-plugin-linuxkit-lktest go test -count=1 -v -run 'TestPackerBuildBoots|TestDesktopPackerBuild' ./builder/linuxkit/ ./post-processor/vmware/ 2>&1 \
  | grep -E '^(=== RUN|--- |PASS|FAIL|ok|\s+\S+\.go:[0-9]+:)' 
