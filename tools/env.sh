# Sourced by the project's scripts: puts the project's Node 24 first on PATH and points
# node-gyp at its headers. Installs Node 24 on first use.
_tsc_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_tsc_node_bin="$("$_tsc_root/tools/install-node.sh")"
export PATH="$_tsc_node_bin:$_tsc_root/node_modules/.bin:$PATH"
export npm_config_nodedir="$(dirname "$_tsc_node_bin")"
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
unset _tsc_root _tsc_node_bin
