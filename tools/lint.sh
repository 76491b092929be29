#!/usr/bin/env bash
# `npm run lint`: the checks that keep the code in shape. Runs all four and fails if any failed, so one run
# shows every finding. Configuration: prettier.config.js, .dependency-cruiser.cjs, knip.jsonc, eslint.config.js.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
failed=()
check() {
  local name="$1"; shift
  printf '[lint] %s\n' "$name" >&2
  "$@" || failed+=("$name")
}
check prettier prettier --check --log-level warn '**/*.ts' '*.js' '.*.cjs'
check dependency-cruiser depcruise --config .dependency-cruiser.cjs cmd controllers pkg test tools bench
check knip knip --no-progress
check eslint eslint --max-warnings 0 .
if [ "${#failed[@]}" -gt 0 ]; then
  printf '[lint] failed: %s (npm run format rewrites the formatting)\n' "${failed[*]}" >&2
  exit 1
fi
printf '[lint] clean\n' >&2
