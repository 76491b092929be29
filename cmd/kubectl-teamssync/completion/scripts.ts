/**
 * The shell scripts `kubectl teamssync completion bash|zsh` prints. Both ask the plugin itself
 * (`kubectl-teamssync __complete WORDS... CURRENT`) and honour Cobra's NoFileComp directive, so tenants, runs and
 * mappings complete from the cluster. `kubectl teamssync <TAB>` needs none of this: kubectl (>= 1.26) runs
 * bin/kubectl_complete-teamssync itself.
 */

/** `source <(kubectl teamssync completion bash)`: completes the `kubectl-teamssync` command. */
export const bashScript = `# bash completion for kubectl-teamssync. Load with: source <(kubectl teamssync completion bash)
# (\`kubectl teamssync <TAB>\` completes through kubectl's own completion and bin/kubectl_complete-teamssync.)
_kubectl_teamssync() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local out directive candidate
  out="$(kubectl-teamssync __complete "\${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null)" || return
  directive="\${out##*:}"
  out="\${out%:*}"
  COMPREPLY=()
  local IFS=$'\\n'
  for candidate in $out; do
    candidate="\${candidate%%$'\\t'*}"
    [[ -n "$candidate" && "$candidate" == "$cur"* ]] && COMPREPLY+=("$candidate")
  done
  if [[ \${#COMPREPLY[@]} -eq 0 && $((directive & 4)) -eq 0 ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F _kubectl_teamssync kubectl-teamssync
`;

/** `source <(kubectl teamssync completion zsh)` (or save as _kubectl-teamssync on $fpath). */
export const zshScript = `#compdef kubectl-teamssync
# zsh completion for kubectl-teamssync. Load with: source <(kubectl teamssync completion zsh)
# (\`kubectl teamssync <TAB>\` completes through kubectl's own completion and bin/kubectl_complete-teamssync.)
_kubectl_teamssync() {
  local out directive line
  local -a completions
  out="$(kubectl-teamssync __complete "\${(@)words[2,CURRENT-1]}" "\${words[CURRENT]}" 2>/dev/null)" || return 1
  directive="\${\${(f)out}[-1]#:}"
  for line in "\${(@f)out}"; do
    [[ "$line" == :* || -z "$line" ]] && continue
    line="\${line//:/\\\\:}"
    completions+=("\${line//$'\\t'/:}")
  done
  if (( \${#completions} )); then
    _describe 'kubectl teamssync' completions
  elif (( (directive & 4) == 0 )); then
    _files
  fi
}
if [[ "$funcstack[1]" == "_kubectl_teamssync" ]]; then
  _kubectl_teamssync "$@"
else
  compdef _kubectl_teamssync kubectl-teamssync
fi
`;
