#!/usr/bin/env bash
# Fetches the prometheus-operator CRDs that config/default and the Helm chart use (ServiceMonitor,
# PrometheusRule) from their published source: the prometheus-operator repository as the Go module
# proxy serves it (its zip holds example/prometheus-operator-crd/*.yaml; the smaller module
# .../pkg/apis/monitoring ships only Go types). The module sum is pinned below and also checked
# against the Go checksum database. Copies the two CRDs into a version-keyed cache outside the
# repository and prints that directory. Honours TSC_PROMETHEUS_OPERATOR_CACHE
# (default: $XDG_CACHE_HOME or ~/.cache, /teams-sync-controller/prometheus-operator).
set -euo pipefail
# v0.85.0 is the newest release the public Go module proxy serves for the repository module
# (later tags answer 403 "not available"); its monitoring.coreos.com/v1 CRDs are what we need.
module=github.com/prometheus-operator/prometheus-operator
version=v0.85.0
sum='h1:M5xLCLEoaW2IJfnuCwFzzpL+jSVQu3KGT84Pye+fW8s='
crds=(monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_prometheusrules.yaml)

cache="${TSC_PROMETHEUS_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/teams-sync-controller/prometheus-operator}"
out="$cache/crds-$version"
complete=1
for f in "${crds[@]}"; do [ -s "$out/$f" ] || complete=0; done
if [ "$complete" = 1 ]; then echo "$out"; exit 0; fi

log() { printf '[prometheus-operator] %s\n' "$*" >&2; }
log "downloading $module@$version from the Go module proxy for its CRDs"
work="$(mktemp -d)"
partial="$out.partial.$$"
trap 'rm -rf "$work" "$partial"' EXIT
# Outside any module, so no go.mod is consulted; the download lands in the normal module cache.
info="$(cd "$work" && GOTOOLCHAIN=local GOWORK=off GOFLAGS= go mod download -json "$module@$version")"
field() { printf '%s\n' "$info" | sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}$/\1/p"; }
if [ -n "$(field Error)" ]; then log "$(field Error)"; exit 1; fi
if [ "$(field Sum)" != "$sum" ]; then log "unexpected module sum $(field Sum) (want $sum)"; exit 1; fi
dir="$(field Dir)"
mkdir -p "$partial"
for f in "${crds[@]}"; do cp "$dir/example/prometheus-operator-crd/$f" "$partial/$f"; done
chmod u+w "$partial"/*
mkdir -p "$cache"
rm -rf "$out"
mv "$partial" "$out"
echo "$out"
