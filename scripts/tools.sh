#!/usr/bin/env bash
# Builds the pinned tools the tests use, outside the checkout, in a per-version cache,
# and links them into ./bin. Idempotent: a tool already built at the right version is reused.
#   packer  v1.16.0  built from the module cache (go install fails through a filtered proxy)
#   vcsim            our tiny main around govmomi's simulator (internal/testrig/cmd/vcsim)
set -euo pipefail
PACKER_VERSION=1.16.0
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${LINUXKIT_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/packer-plugin-linuxkit}
mkdir -p "$cache" "$top/bin"

pk="$cache/packer-v$PACKER_VERSION/packer"
if [ -x "$pk" ] && "$pk" version 2>/dev/null | grep -q "Packer v$PACKER_VERSION"; then
  echo "tools: packer v$PACKER_VERSION already built at $pk"
else
  echo "tools: building packer v$PACKER_VERSION from the module cache (about 5 minutes cold)"
  dir=$(cd "$top" && go mod download -json "github.com/hashicorp/packer@v$PACKER_VERSION" \
        | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] && [ -d "$dir" ] || { echo "tools: could not download packer v$PACKER_VERSION" >&2; exit 1; }
  src=$(mktemp -d "$cache/packer-src.XXXXXX")
  trap 'rm -rf "$src"' EXIT
  cp -r "$dir/." "$src/" && chmod -R u+w "$src"
  mkdir -p "$(dirname "$pk")"
  (cd "$src" && GOFLAGS=-mod=mod go build -o "$pk.tmp" .) && mv "$pk.tmp" "$pk"
  "$pk" version
fi
ln -sf "$pk" "$top/bin/packer"

(cd "$top" && go build -o bin/vcsim ./internal/testrig/cmd/vcsim)
echo "tools: bin/packer bin/vcsim ready"
