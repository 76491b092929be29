#!/usr/bin/env bash
# Everything a fresh machine needs, idempotent and cached: Node 24, npm dependencies,
# the control-plane binaries (kube-apiserver, etcd, kubectl), helm, the prometheus-operator CRDs
# and Debian's promtool.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=tools/env.sh
source tools/env.sh
log() { printf '[bootstrap] %s\n' "$*" >&2; }

stamp="node_modules/.install-stamp"
want="$(cat package.json package-lock.json | sha256sum | cut -c1-16)-$(node --version)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing npm dependencies with Node $(node --version)"
  npm ci --no-audit --no-fund >&2
  # better-sqlite3 is compiled against this Node's own headers (npm_config_nodedir, set by
  # env.sh) rather than trusting a prebuilt binary; build/Release takes precedence when loading.
  log "compiling better-sqlite3 against Node $(node --version) headers"
  gyp_log="$(mktemp)"
  if ! (cd node_modules/better-sqlite3 && node-gyp rebuild --release --force_build=1 --nodedir="$npm_config_nodedir") >"$gyp_log" 2>&1; then
    tail -n 40 "$gyp_log" >&2; rm -f "$gyp_log"; exit 1
  fi
  rm -f "$gyp_log"
  test -f node_modules/better-sqlite3/build/Release/better_sqlite3.node
  node -e "new (require('better-sqlite3'))(':memory:').close()"
  echo "$want" > "$stamp"
fi

if ! command -v promtool >/dev/null 2>&1; then
  log "installing Debian package prometheus (promtool)"
  if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" update -qq >&2 &&
    DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq --no-install-recommends prometheus >&2 ||
    log "could not install prometheus; promtool tests will fail"
  # The package starts a Prometheus service we do not want running.
  (systemctl disable --now prometheus prometheus-node-exporter >/dev/null 2>&1 || true)
  (service prometheus stop >/dev/null 2>&1 || true)
fi

bin="$(tools/build-control-plane.sh)"
mkdir -p .tools && ln -sfn "$bin" .tools/control-plane
log "control plane binaries: $bin"

# helm (for `helm lint` / `helm template` of charts/) and the prometheus-operator CRDs that
# config/default's ServiceMonitor and PrometheusRule need, both from the Go module proxy.
helm_dir="$(tools/build-helm.sh)"
ln -sfn "$helm_dir" .tools/helm
prometheus_operator_crds="$(tools/fetch-prometheus-operator-crds.sh)"
ln -sfn "$prometheus_operator_crds" .tools/prometheus-operator-crds
