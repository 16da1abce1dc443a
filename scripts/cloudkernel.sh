# Sourced by kernel.sh and arm64.sh (not run on its own).
#
# cloud_kernel_pkg NAME ARCH prints the versioned package Debian's linux-image-cloud-ARCH
# depends on (linux-image-<abi>-cloud-ARCH). When the apt lists lack it and we are root, it
# adds ARCH to dpkg first if ARCH is foreign, runs apt-get update once and asks again. NAME
# prefixes the messages on stderr. It fails when the package still cannot be resolved.
cloud_kernel_pkg() {
  local me=$1 arch=$2 query="linux-image-cloud-$2" pkg
  local foreign=
  if [ "$arch" != "$(dpkg --print-architecture)" ]; then
    foreign=1
    query="$query:$arch"
  fi
  pkg=$(_cloud_kernel_resolve "$query" "$arch")
  if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then
    if [ -n "$foreign" ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
      echo "$me: dpkg --add-architecture $arch" >&2
      dpkg --add-architecture "$arch"
    fi
    echo "$me: apt lists lack $query; running apt-get update" >&2
    apt-get update -qq >&2
    pkg=$(_cloud_kernel_resolve "$query" "$arch")
  fi
  if [ -z "$pkg" ]; then
    echo "$me: cannot resolve $query to a versioned package (as root: ${foreign:+dpkg --add-architecture $arch && }apt-get update)" >&2
    return 1
  fi
  echo "$pkg"
}

_cloud_kernel_resolve() {
  apt-cache depends "$1" 2>/dev/null |
    sed -n "s/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-$2\)\(:$2\)\{0,1\}\$/\1/p" | head -n 1
  true # a missing package list is not an error here: the caller reports it
}

# download_debs NAME DEST PKG... prints "NAME: fetching PKG..." and downloads the .debs with
# apt-get into a scratch folder under DEST, which it names in $work and removes on exit.
download_debs() {
  local me=$1 dest=$2
  shift 2
  echo "$me: fetching $*" >&2
  mkdir -p "$dest"
  work=$(mktemp -d "$dest/.download.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  # apt-get download as root warns that the _apt sandbox cannot write here; that is harmless.
  (cd "$work" && apt-get download "$@" >&2)
}
