#!/usr/bin/env bash
# Fetches Debian's cloud kernel for the QEMU tests without installing it (no initramfs-tools run):
# resolves linux-image-cloud-amd64 to its versioned package, downloads the .deb with apt and
# extracts /boot/vmlinuz-* and overlay.ko into <repo>/.cache/kernel. Idempotent: when a kernel is
# already there it is reused. Prints the kernel's path on stdout (progress goes to stderr).
# internal/testrig looks there (or at $LINUXKIT_TEST_KERNEL) to find the kernel.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dest=${LINUXKIT_KERNEL_CACHE:-$top/.cache/kernel}

existing() {
  ls "$dest"/boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort | tail -n 1
}

k=$(existing || true)
if [ -n "$k" ] && ls "$dest"/lib/modules/*/kernel/fs/overlayfs/overlay.ko >/dev/null 2>&1; then
  echo "$k"
  exit 0
fi

. "$top/scripts/cloudkernel.sh"
pkg=$(cloud_kernel_pkg kernel.sh amd64)
download_debs kernel.sh "$dest" "$pkg"
deb=$(ls "$work"/*.deb)
dpkg-deb --fsys-tarfile "$deb" \
  | tar -x -C "$work" --wildcards './boot/vmlinuz-*' './lib/modules/*/kernel/fs/overlayfs/overlay.ko'
mkdir -p "$dest/boot" "$dest/lib"
cp -a "$work"/boot/. "$dest/boot/"
cp -a "$work"/lib/. "$dest/lib/"

k=$(existing)
[ -n "$k" ] || { echo "kernel.sh: no vmlinuz found in $deb" >&2; exit 1; }
echo "$k"
