/**
 * `kubectl teamssync history TENANT`: the tenant's sync runs, newest first, with their counts (the portals'
 * Sync Jobs page). `-o json|yaml` prints the TeamsSync objects as a List.
 */
import { Option, type Command } from 'commander';
import type { KubeObject } from '../../../pkg/runtime/resource.ts';
import { teamsSyncResource, teamsTenantResource } from '../../../controllers/teamssync/resources.ts';
import type { PluginContext } from '../context.ts';
import { outputFormats } from '../output.ts';
import { historyColumns, newestFirst, type Run } from '../runs/run-view.ts';

const EXAMPLES = `
Examples:
  kubectl teamssync history contoso -n acme
  kubectl teamssync history contoso -n acme -o json | jq '.items[] | {name: .metadata.name, failed: .status.counts.failed}'

Exit codes: 0 listed (also when there are no runs yet), 1 error, 2 usage, 4 no such tenant and no runs of it.`;

/** Registers `history`. */
export function register(program: Command, cli: PluginContext): void {
  program
    .command('history')
    .description("A tenant's sync runs, newest first, with their counts")
    .argument('<tenant>', 'the TeamsTenant')
    .addOption(new Option('-o, --output <format>', 'output format').choices(outputFormats).default('table'))
    .addHelpText('after', EXAMPLES)
    .action(async (tenant: string, flags: { output: string }) => {
      const format = cli.outputFormat(flags.output);
      const runs = newestFirst((await listRuns(cli)).filter((r) => r.spec.tenantRef.name === tenant));
      if (runs.length === 0) await cli.get<KubeObject>(teamsTenantResource, tenant);
      cli.out.list(runs, historyColumns(new Date()), format, { empty: `No sync runs of tenant ${tenant} in namespace ${cli.namespace()}.` });
    });
}

/** Every TeamsSync of the namespace (paged; the history is bounded by the tenants' syncHistoryLimit). */
async function listRuns(cli: PluginContext): Promise<Run[]> {
  const runs: Run[] = [];
  let next: string | undefined;
  do {
    const page = await cli.kube().list<Run>(teamsSyncResource, { namespace: cli.namespace(), limit: 500, ...(next === undefined ? {} : { continue: next }) });
    runs.push(...page.items);
    next = page.metadata?.continue || undefined;
  } while (next !== undefined);
  return runs;
}
