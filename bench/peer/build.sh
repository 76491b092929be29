#!/usr/bin/env bash
# Builds the Go peer of the runtime benchmark (this folder, its own Go module pinning controller-runtime)
# into a version-keyed cache outside the repository, the way tools/build-helm.sh builds helm, and prints
# the binary's path. Later runs reuse it; a change of Go version, go.sum or source rebuilds.
# Honours TSC_RUNTIME_PEER_CACHE (default: $XDG_CACHE_HOME or ~/.cache, /teams-sync-controller/runtime-peer).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOWORK=off GOFLAGS=-mod=readonly

cache="${TSC_RUNTIME_PEER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/teams-sync-controller/runtime-peer}"
go_version="$(go env GOVERSION)"
cr_version="$(cd "$here" && go list -m -f '{{.Version}}' sigs.k8s.io/controller-runtime)"
sum_hash="$(cat "$here/go.sum" "$here"/*.go | sha256sum | cut -c1-12)"
out="$cache/runtime-peer-$cr_version-$go_version-$sum_hash"

if [ -x "$out/runtime-peer" ]; then
  echo "$out/runtime-peer"; exit 0
fi

log() { printf '[runtime-peer] %s\n' "$*" >&2; }
start=$(date +%s)
partial="$out.partial.$$"
trap 'rm -rf "$partial"' EXIT
mkdir -p "$partial"
log "building the controller-runtime $cr_version peer with $go_version (first run on this machine only)"
(cd "$here" && go build -trimpath -buildvcs=false -ldflags "-s -w" -o "$partial/runtime-peer" .)
mkdir -p "$cache"
rm -rf "$out"
mv "$partial" "$out"   # publish atomically: a killed build never leaves a half cache
log "built in $(( $(date +%s) - start ))s"
echo "$out/runtime-peer"
