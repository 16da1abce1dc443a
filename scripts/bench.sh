#!/usr/bin/env bash
# `make bench` (DESIGN §7): times our engines beside the peer tools on the same inputs and writes
# bench/results.md. Needs the Debian tools (xorriso, qemu-img, cpio, gzip, pigz, syslinux files).
#   - fetches the Debian cloud kernel for the boot media (scripts/kernel.sh);
#   - builds govc from the govmomi version go.mod pins (bench/govc/main.go, in a wrapper module in the
#     tools cache, outside this module) unless it is there; without it the vSphere rows say
#     "skipped: govc unavailable";
#   - installs crane (go-containerregistry's CLI) at the version go.mod pins into the tools cache,
#     from the Go module cache or proxy, unless it is there; without it the pull rows say
#     "skipped: crane unavailable";
#   - builds bin/vcsim when missing, then bench/cmd/{lkbench,rssspawn,lkvsphere} into bench/work/;
#   - runs lkbench (arguments are passed on, e.g. -reps 1 or -only initrd,iso,efi).
# Generated inputs are cached in bench/work/ (git-ignored); delete it to start afresh.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
cache=${LINUXKIT_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/packer-plugin-linuxkit}
work=bench/work
mkdir -p "$work" "$cache"

kernel=$(./scripts/kernel.sh)

# govc: since govmomi v0.47.0 it is a separate, untagged module, so `go install govc@<pinned>` cannot
# work; a wrapper module with our tiny main builds it from the pinned govmomi instead.
govmomi=$(go list -m -f '{{.Version}}' github.com/vmware/govmomi)
govc="$cache/govc-$govmomi/govc"
if [ ! -x "$govc" ]; then
  echo "bench: building govc from govmomi $govmomi" >&2
  src=$(mktemp -d "$cache/govc-src.XXXXXX")
  trap 'rm -rf "$src"' EXIT
  sed '/^\/\/go:build ignore$/d' bench/govc/main.go > "$src/main.go"
  # go-internal v1.9.0 is the version govmomi's own go.sum records (pretty-printing in cli/flags).
  if (cd "$src" && go mod init lkbench/govc >/dev/null 2>&1 &&
      GOFLAGS="-mod=mod -buildvcs=false" go get "github.com/vmware/govmomi@$govmomi" github.com/rogpeppe/go-internal@v1.9.0 &&
      mkdir -p "$(dirname "$govc")" &&
      GOFLAGS="-mod=mod -buildvcs=false" go build -o "$govc.tmp" . && mv "$govc.tmp" "$govc"); then
    echo "bench: govc ready at $govc" >&2
  else
    echo "bench: skipped: govc unavailable (the build failed)" >&2
    govc=""
  fi
  rm -rf "$src"
  trap - EXIT
fi

# crane: cmd/crane is a package of the go-containerregistry module itself, so `go install` at the
# pinned version builds it (outside this module, with that module's own go.mod).
ggcr=$(go list -m -f '{{.Version}}' github.com/google/go-containerregistry)
crane="$cache/crane-$ggcr/crane"
if [ ! -x "$crane" ]; then
  echo "bench: building crane from go-containerregistry $ggcr" >&2
  if (cd "$cache" && GOBIN="$cache/crane-$ggcr" GOFLAGS="-buildvcs=false" go install "github.com/google/go-containerregistry/cmd/crane@$ggcr"); then
    echo "bench: crane ready at $crane" >&2
  else
    echo "bench: skipped: crane unavailable (the build failed)" >&2
    crane=""
  fi
fi

[ -x bin/vcsim ] || go build -o bin/vcsim ./internal/testrig/cmd/vcsim
go build -o "$work/lkbench" ./bench/cmd/lkbench
go build -o "$work/rssspawn" ./bench/cmd/rssspawn
go build -o "$work/lkvsphere" ./bench/cmd/lkvsphere
exec "$work/lkbench" -work "$work" -spawn "$work/rssspawn" -lkvsphere "$work/lkvsphere" -kernel "$kernel" -govc "$govc" -crane "$crane" -vcsim bin/vcsim -out bench/results.md "$@"
