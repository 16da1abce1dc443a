#!/usr/bin/env bash
# Installs, or names, the host packages the tests, the demo and the benchmark run.
#   deps.sh        check every part; on Debian/Ubuntu install what is missing with apt-get
#                  (with sudo when not root); elsewhere stop and say what to install.
# `make test`, `make demo` and .ci/run call it first, so a fresh machine needs no manual step.
set -euo pipefail

# Debian package → a file or command that proves it is installed, for hosts without dpkg.
#   qemu-system-x86  boots every medium under TCG        qemu-utils     qemu-img check/convert
#   isolinux, syslinux-common  the BIOS boot files       xorriso, genisoimage  read our ISOs back
#   busybox-static, runc  the fixture images' contents   cpio, pigz, tar  the peers in tests and bench
#   ovmf, qemu-efi-aarch64, qemu-system-arm  EFI boots (amd64 OVMF, arm64 AAVMF)
#   systemd-boot-efi  the EFI stub of the UKI             mtools, dosfstools, gdisk, binutils  read EFI media back
declare -A probe=(
  [qemu-system-x86]=cmd:qemu-system-x86_64
  [qemu-utils]=cmd:qemu-img
  [isolinux]=file:/usr/lib/ISOLINUX/isolinux.bin
  [syslinux-common]=file:/usr/lib/syslinux/modules/bios/ldlinux.c32
  [xorriso]=cmd:xorriso
  [genisoimage]=cmd:isoinfo
  [busybox-static]=file:/bin/busybox
  [runc]=cmd:runc
  [cpio]=cmd:cpio
  [pigz]=cmd:pigz
  [tar]=cmd:tar
  [ovmf]=file:/usr/share/OVMF/OVMF_CODE_4M.fd
  [qemu-efi-aarch64]=file:/usr/share/AAVMF/AAVMF_CODE.fd
  [qemu-system-arm]=cmd:qemu-system-aarch64
  [systemd-boot-efi]=file:/usr/lib/systemd/boot/efi/linuxx64.efi.stub
  [mtools]=cmd:mcopy
  [dosfstools]=cmd:fsck.vfat
  [gdisk]=cmd:sgdisk
  [binutils]=cmd:objdump
)
pkgs=(qemu-system-x86 qemu-utils isolinux syslinux-common xorriso genisoimage busybox-static runc cpio pigz tar
      ovmf qemu-efi-aarch64 qemu-system-arm systemd-boot-efi mtools dosfstools gdisk binutils)

missing=()
if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && exit 0
  sudo_cmd=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "deps: missing ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2; exit 1; }
    sudo_cmd=sudo
  fi
  echo "deps: installing ${missing[*]} with apt-get" >&2
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

# Not Debian: check by what each package provides, and stop before doing anything.
for p in "${pkgs[@]}"; do
  kind=${probe[$p]%%:*} what=${probe[$p]#*:}
  case $kind in
    cmd) command -v "$what" >/dev/null 2>&1 || missing+=("$p ($what)") ;;
    file) [ -e "$what" ] || missing+=("$p ($what)") ;;
  esac
done
if [ ${#missing[@]} -gt 0 ]; then
  {
    echo "deps: this host is not Debian, so nothing was installed. Missing:"
    for m in "${missing[@]}"; do echo "  - $m"; done
    echo "The tests boot x86_64 media in QEMU and need Debian's syslinux file layout: run them on Debian 12"
    echo "(a VM or container is fine: apt-get install ${pkgs[*]}), or install the equivalents above."
  } >&2
  exit 1
fi
