#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, kubectl, etcd) from Go modules into a
# version-keyed cache outside the repository, and prints the directory that holds all three.
# Later runs reuse the cache; a change of Kubernetes/etcd version, Go version or go.sum rebuilds.
# Honours TEST_CONTROL_PLANE_CACHE (default: $XDG_CACHE_HOME or ~/.cache, /teams-sync-controller/control-plane).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOWORK=off GOFLAGS=-mod=readonly

cache="${TEST_CONTROL_PLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/teams-sync-controller/control-plane}"
go_version="$(go env GOVERSION)"
kube_version="$(cd "$here/kube-testbin" && go list -m -f '{{.Version}}' k8s.io/kubernetes)"
etcd_version="$(cd "$here/etcd-testbin" && go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)"
sum_hash="$(cat "$here/kube-testbin/go.sum" "$here/etcd-testbin/go.sum" "$here/etcd-testbin/main.go" | sha256sum | cut -c1-12)"
out="$cache/kube-$kube_version-etcd-$etcd_version-$go_version-$sum_hash"

if [ -x "$out/kube-apiserver" ] && [ -x "$out/kubectl" ] && [ -x "$out/etcd" ]; then
  echo "$out"; exit 0
fi

log() { printf '[control-plane] %s\n' "$*" >&2; }
start=$(date +%s)
partial="$out.partial.$$"
trap 'rm -rf "$partial"' EXIT
mkdir -p "$partial"

minor="${kube_version#v1.}"; minor="${minor%%.*}"
ld="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld="$ld -X $p.gitVersion=$kube_version -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
done

log "building etcd $etcd_version (first run on this machine only)"
(cd "$here/etcd-testbin" && go build -trimpath -buildvcs=false -ldflags "-s -w" -o "$partial/etcd" .)
log "building kube-apiserver and kubectl $kube_version with $go_version (first run only; ~15-25 min on 2 cores)"
(cd "$here/kube-testbin" && go build -trimpath -buildvcs=false -tags selinux,notest,grpcnotrace -ldflags "$ld" \
  -o "$partial/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl)

"$partial/kube-apiserver" --version >&2
"$partial/etcd" --version | head -1 >&2
mkdir -p "$cache"
rm -rf "$out"
mv "$partial" "$out"   # publish atomically: a killed build never leaves a half cache
log "built in $(( $(date +%s) - start ))s: $(du -sh "$out" | cut -f1)"
echo "$out"
