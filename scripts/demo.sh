#!/usr/bin/env bash
# make demo: the plugin's main job as a user meets it, on this machine alone.
# internal/testrig/cmd/lkdemo starts a loopback registry serving the images example/spec/hello.yml
# names (built in Go from Debian's kernel, busybox and runc) and a vCenter simulator, runs the real
# `packer build` on example/vsphere-golden-image (ISO + vmdk → a vSphere template and a content
# library item), lists what the build made, boots the ISO in QEMU and stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/lkdemo ./internal/testrig/cmd/lkdemo
exec bin/lkdemo -packer "${PACKER:-bin/packer}" -plugin packer-plugin-linuxkit "$@"
