/**
 * `teamssync-login`: the former entry point of "Sync Now", kept as a thin alias of `kubectl teamssync sync
 * --no-wait` (cmd/kubectl-teamssync) so scripts and messages that name it keep working. It translates its
 * flags and keeps its own exit codes: 0 created, 1 failed, 2 bad usage.
 *
 *   node cmd/teamssync-login/main.ts --tenant contoso [--namespace acme] [--dry-run] [--diagnostic]
 *     [--mapping alex --mapping sam] [--name run-1] [--note "why"] [--kubeconfig ~/.kube/config]
 *     [--client-id GUID] [--scope .default] [--no-sign-in] [--force]
 *     [--graph-authority-host URL] [--graph-base-url URL] [--graph-ca-bundle PEM]
 */
import { parseArgs } from 'node:util';
import { run } from '../kubectl-teamssync/main.ts';

const USAGE =
  'usage: teamssync-login --tenant NAME [--namespace NS] [--dry-run] [--diagnostic] [--mapping NAME]... [--name RUN] [--note TEXT] [--kubeconfig FILE] [--client-id GUID] [--scope SCOPE]... [--no-sign-in] [--force] [--graph-authority-host URL] [--graph-base-url URL] [--graph-ca-bundle FILE]\n(prefer: kubectl teamssync sync TENANT; see docs/kubectl-plugin.md)';

const strings = ['namespace', 'kubeconfig', 'name', 'note', 'client-id', 'graph-authority-host', 'graph-base-url', 'graph-ca-bundle'] as const;
const lists = ['mapping', 'scope'] as const;
const switches = ['dry-run', 'diagnostic', 'no-sign-in', 'force'] as const;

function flags() {
  return parseArgs({
    options: {
      tenant: { type: 'string' },
      ...Object.fromEntries(strings.map((s) => [s, { type: 'string' as const }])),
      ...Object.fromEntries(lists.map((s) => [s, { type: 'string' as const, multiple: true as const }])),
      ...Object.fromEntries(switches.map((s) => [s, { type: 'boolean' as const }])),
      help: { type: 'boolean', default: false },
    },
  }).values as Record<string, string | string[] | boolean | undefined>;
}

/** The plugin's command line for these flags. */
function pluginArgv(f: Record<string, string | string[] | boolean | undefined>, tenant: string): string[] {
  const argv = ['sync', tenant, '--no-wait'];
  for (const name of strings) if (typeof f[name] === 'string') argv.push(`--${name}`, f[name]);
  for (const name of lists) for (const v of Array.isArray(f[name]) ? f[name] : []) argv.push(`--${name}`, v);
  for (const name of switches) if (f[name] === true) argv.push(`--${name}`);
  return argv;
}

async function main(): Promise<number> {
  let f: ReturnType<typeof flags>;
  try {
    f = flags();
  } catch (err) {
    console.error(`teamssync-login: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  const tenant = f['tenant'];
  if (f['help'] === true || typeof tenant !== 'string') {
    console.error(USAGE);
    return f['help'] === true ? 0 : 2;
  }
  const code = await run(pluginArgv(f, tenant), { stdout: process.stdout, stderr: process.stderr });
  return code === 0 || code === 2 ? code : 1;
}

/** Exits once stdout and stderr are flushed (a pipe may still hold the last lines). */
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main().then(exit, (err: unknown) => {
  console.error('teamssync-login:', err instanceof Error ? err.message : String(err));
  exit(1);
});
