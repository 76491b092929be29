/**
 * `kubectl teamssync completion bash|zsh` prints a completion script; the hidden `__complete WORDS...` (run by
 * the scripts and by bin/kubectl_complete-teamssync, which kubectl calls for `kubectl teamssync <TAB>`)
 * answers with subcommands, flags, output formats and the names of tenants, runs and mappings in the cluster.
 */
import { Argument, type Command } from 'commander';
import type { KubeObject, ResourceRef } from '../../../pkg/runtime/resource.ts';
import { teamsSyncResource, teamsTenantResource, userLicenseMappingResource } from '../../../controllers/teamssync/resources.ts';
import { PluginContext } from '../context.ts';
import { cobraAnswer, needAt, type CommandShape, type NameKind } from '../completion/candidates.ts';
import { bashScript, zshScript } from '../completion/scripts.ts';
import type { OutputStreams } from '../output.ts';

const EXAMPLES = `
Examples:
  source <(kubectl teamssync completion bash)       # in ~/.bashrc
  source <(kubectl teamssync completion zsh)        # in ~/.zshrc
  kubectl teamssync completion zsh > "\${fpath[1]}/_kubectl-teamssync"

With kubectl's own completion loaded (kubectl >= 1.26), \`kubectl teamssync <TAB>\` completes without these
scripts through bin/kubectl_complete-teamssync, which must be on PATH next to kubectl-teamssync.`;

/** Registers `completion`. */
export function register(program: Command, cli: PluginContext): void {
  program
    .command('completion')
    .description('Print the shell completion script for bash or zsh')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .addHelpText('after', EXAMPLES)
    .action((shell: string) => {
      cli.out.streams.stdout.write(shell === 'bash' ? bashScript : zshScript);
    });
}

/** The program's commands as completion sees them (names, descriptions, flags). */
function shapes(program: Command): CommandShape[] {
  return program.commands
    .filter((c) => c.name() !== 'help')
    .map((c) => ({
      name: c.name(),
      description: c.description(),
      flags: c.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined)),
      valueFlags: c.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined)),
    }));
}

const byKind: Readonly<Record<Exclude<NameKind, 'namespace' | 'mapping-or-tenant'>, ResourceRef>> = {
  tenant: teamsTenantResource,
  run: teamsSyncResource,
  mapping: userLicenseMappingResource,
};

const namespaces: ResourceRef = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false };

/** Names of a kind in the namespace (namespaces: cluster-wide); nothing when the cluster cannot be read. */
async function names(cli: PluginContext, kind: NameKind): Promise<string[]> {
  const refs = kind === 'mapping-or-tenant' ? [byKind.mapping, byKind.tenant] : kind === 'namespace' ? [namespaces] : [byKind[kind]];
  const lists = await Promise.all(
    refs.map((ref) =>
      cli
        .kube()
        .list<KubeObject>(ref, ref.namespaced ? { namespace: cli.namespace(), limit: 500 } : { limit: 500 })
        .then((l) => l.items.map((i) => i.metadata?.name ?? ''))
        .catch(() => []),
    ),
  );
  return [...new Set(lists.flat().filter((n) => n !== ''))].sort();
}

/** Answers `__complete WORDS... CURRENT` on stdout; never fails (a completion must not print errors). */
export async function complete(program: Command, words: readonly string[], streams: OutputStreams): Promise<void> {
  const all = words.length === 0 ? [''] : words;
  const current = all.at(-1) ?? '';
  const { need, globals } = needAt(shapes(program), all);
  if (need.kind === 'files') {
    streams.stdout.write(cobraAnswer([], current, true));
    return;
  }
  if (need.kind === 'fixed') {
    streams.stdout.write(cobraAnswer(need.candidates, current, false));
    return;
  }
  const lookup = new PluginContext(() => globals, streams);
  const found = await Promise.resolve()
    .then(() => names(lookup, need.names))
    .catch(() => []);
  streams.stdout.write(
    cobraAnswer(
      found.map((n) => [n, ''] as const),
      current,
      false,
    ),
  );
}
