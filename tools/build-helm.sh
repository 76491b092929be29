#!/usr/bin/env bash
# Builds helm from Go modules (tools/helm-testbin pins the version) into a version-keyed cache
# outside the repository, the way tools/build-control-plane.sh builds kube-apiserver, and prints
# the directory that holds the binary. Later runs reuse the cache; a change of helm version, Go
# version or go.sum rebuilds. The tests use it for `helm lint` and `helm template` of
# charts/teams-sync-controller. Honours TSC_HELM_CACHE
# (default: $XDG_CACHE_HOME or ~/.cache, /teams-sync-controller/helm).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOWORK=off GOFLAGS=-mod=readonly

cache="${TSC_HELM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/teams-sync-controller/helm}"
go_version="$(go env GOVERSION)"
helm_version="$(cd "$here/helm-testbin" && go list -m -f '{{.Version}}' helm.sh/helm/v4)"
sum_hash="$(sha256sum "$here/helm-testbin/go.sum" | cut -c1-12)"
out="$cache/helm-$helm_version-$go_version-$sum_hash"

if [ -x "$out/helm" ]; then
  echo "$out"; exit 0
fi

log() { printf '[helm] %s\n' "$*" >&2; }
start=$(date +%s)
partial="$out.partial.$$"
trap 'rm -rf "$partial"' EXIT
mkdir -p "$partial"

log "building helm $helm_version with $go_version (first run on this machine only)"
(cd "$here/helm-testbin" && go build -trimpath -buildvcs=false \
  -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$helm_version -X helm.sh/helm/v4/internal/version.gitTreeState=clean" \
  -o "$partial/helm" helm.sh/helm/v4/cmd/helm)

"$partial/helm" version --short >&2
mkdir -p "$cache"
rm -rf "$out"
mv "$partial" "$out"   # publish atomically: a killed build never leaves a half cache
log "built in $(( $(date +%s) - start ))s: $(du -sh "$out" | cut -f1)"
echo "$out"
