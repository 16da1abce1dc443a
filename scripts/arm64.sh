#!/usr/bin/env bash
# Fetches the arm64 parts of the AAVMF boot tests without installing them: Debian's arm64 cloud
# kernel (an uncompressed arm64 Image with an EFI stub) and its overlay.ko, busybox-static, runc
# with the libraries it links (libc6, libseccomp2) and systemd's arm64 EFI stub
# (systemd-boot-efi), as arm64 .debs with `apt-get download`, extracted into
# <repo>/.cache/arm64. It adds the arm64 architecture to dpkg and runs apt-get update once when
# the lists lack it (that needs root). Idempotent: parts already there are reused. Prints the
# folder on stdout (progress goes to stderr).
#   .cache/arm64/boot/vmlinuz-<abi>-cloud-arm64
#   .cache/arm64/lib/modules/<abi>-cloud-arm64/kernel/fs/overlayfs/overlay.ko
#   .cache/arm64/bin/busybox
#   .cache/arm64/usr/sbin/runc
#   .cache/arm64/lib/ld-linux-aarch64.so.1, lib/aarch64-linux-gnu/libc.so.6,
#   .cache/arm64/usr/lib/aarch64-linux-gnu/libseccomp.so.2
#   .cache/arm64/usr/lib/systemd/boot/efi/linuxaa64.efi.stub
# internal/media's arm64 tests and testrig's arm64 fixture images look there (or at
# $LINUXKIT_ARM64_CACHE).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dest=${LINUXKIT_ARM64_CACHE:-$top/.cache/arm64}

complete() {
  ls "$dest"/boot/vmlinuz-*-cloud-arm64 >/dev/null 2>&1 &&
    [ -x "$dest/bin/busybox" ] && [ -x "$dest/usr/sbin/runc" ] &&
    [ -f "$dest/usr/lib/systemd/boot/efi/linuxaa64.efi.stub" ] &&
    ls "$dest"/lib/modules/*/kernel/fs/overlayfs/overlay.ko >/dev/null 2>&1 &&
    [ -f "$dest/lib/aarch64-linux-gnu/libc.so.6" ] && [ -f "$dest/usr/lib/aarch64-linux-gnu/libseccomp.so.2" ]
}
if complete; then
  echo "$dest"
  exit 0
fi

. "$top/scripts/cloudkernel.sh"
pkg=$(cloud_kernel_pkg arm64.sh arm64)
download_debs arm64.sh "$dest" "$pkg:arm64" busybox-static:arm64 runc:arm64 libc6:arm64 libseccomp2:arm64 systemd-boot-efi:arm64
mkdir -p "$work/x"
for deb in "$work"/*.deb; do
  case "$(basename "$deb")" in
    linux-image-*) dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" --wildcards './boot/vmlinuz-*' './lib/modules/*/kernel/fs/overlayfs/overlay.ko' ;;
    busybox-static_*) dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" ./bin/busybox ;;
    runc_*) dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" ./usr/sbin/runc ;;
    libc6_*) dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" ./lib/ld-linux-aarch64.so.1 \
      ./lib/aarch64-linux-gnu/ld-linux-aarch64.so.1 ./lib/aarch64-linux-gnu/libc.so.6 ;;
    libseccomp2_*) dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" --wildcards './usr/lib/aarch64-linux-gnu/libseccomp.so.2*' ;;
    systemd-boot-efi_*) dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" ./usr/lib/systemd/boot/efi/linuxaa64.efi.stub ;;
  esac
done
cp -a "$work"/x/. "$dest/"
complete || { echo "arm64.sh: a part is missing after extraction into $dest" >&2; exit 1; }
echo "$dest"
