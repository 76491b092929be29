/**
 * `kubectl teamssync sync TENANT`: "Sync Now". The designated Global Admin signs in with the device code flow,
 * the plugin creates the token Secret and the TeamsSync run, follows it with a progress bar until it ends,
 * prints the summary and exits 3 when users failed (exit-codes.ts). `cmd/teamssync-login` is an alias of this.
 */
import { Option, type Command } from 'commander';
import type { EndpointOverrides } from '../../../pkg/graph/index.ts';
import type { UserLicenseMapping as MappingObject } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { KubeObject } from '../../../pkg/runtime/resource.ts';
import { teamsTenantResource, userLicenseMappingResource, type TeamsTenant } from '../../../controllers/teamssync/resources.ts';
import type { PluginContext } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';
import { parseDuration } from '../output.ts';
import { followRun } from '../runs/follow.ts';
import { runExitCode, summaryLines } from '../runs/run-view.ts';
import { defaultRunName, waitHint, type RunRequest } from '../sync/objects.ts';
import { checkSignedInUser, createRun, signIn, type SignedIn } from '../sync/sign-in.ts';

/** The flags of `sync` as commander parses them. */
interface SyncFlags {
  readonly dryRun?: boolean;
  readonly diagnostic?: boolean;
  /** `--no-wait` sets false; `--wait` or nothing leaves it true or absent (commander gives paired flags no default). */
  readonly wait?: boolean;
  readonly timeout: string;
  readonly mapping: string[];
  readonly name?: string;
  readonly note?: string;
  readonly signIn: boolean;
  readonly force?: boolean;
  readonly clientId?: string;
  readonly scope: string[];
  readonly graphAuthorityHost?: string;
  readonly graphBaseUrl?: string;
  readonly graphCaBundle?: string;
}

const EXAMPLES = `
Examples:
  # Sync Now: sign in as the tenant's designated Global Admin, then follow the run to its end
  kubectl teamssync sync contoso -n acme

  # What would a sync change? (no sign-in, nothing written to Microsoft 365)
  kubectl teamssync sync contoso -n acme --dry-run

  # Two mappings only, with debug output in the run, and return once the run is created
  kubectl teamssync sync contoso -n acme --mapping alice --mapping bob --diagnostic --no-wait

Exit codes: 0 succeeded, 1 error or the run failed, 2 usage, 3 users failed, 4 tenant not found,
5 refused (another user signed in, or the controller refused the run).`;

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Registers `sync`. */
export function register(program: Command, cli: PluginContext): void {
  program
    .command('sync')
    .description("Sync a tenant now: the Global Admin's device code sign-in, a TeamsSync run, its progress and summary")
    .argument('<tenant>', 'the TeamsTenant to sync')
    .option('--dry-run', 'compute every change without writing to Microsoft 365 (no sign-in)')
    .option('--diagnostic', "add debug detail to the run's output")
    .option('--wait', 'follow the run with a progress bar until it ends (the default)')
    .option('--no-wait', 'return once the run is created')
    .option('--timeout <duration>', 'stop following after this long (the run goes on)', '30m')
    .option('--mapping <name>', 'sync only this UserLicenseMapping (repeatable; default: all of the tenant)', collect, [] as string[])
    .option('--name <run>', 'name of the TeamsSync (default: <tenant>-sync-<date>-<time>)')
    .option('--note <text>', 'free text kept in the history')
    .option('--no-sign-in', 'create the run without a sign-in (Auto-mode tenants; a Manual-mode tenant refuses it)')
    .option('--force', 'create the run even when another user than the designated Global Admin signed in')
    .addOption(new Option('--client-id <guid>', "public client to sign in with (default: the tenant's app)"))
    .addOption(new Option('--scope <scope>', 'delegated permission to ask for (repeatable; default .default)').argParser(collect).default([]))
    .addOption(new Option('--graph-authority-host <url>', 'Entra ID authority host (sovereign clouds, tests)'))
    .addOption(new Option('--graph-base-url <url>', 'Microsoft Graph base URL (sovereign clouds, tests)'))
    .addOption(new Option('--graph-ca-bundle <file>', 'extra CA certificates (PEM) to trust for the sign-in'))
    .addHelpText('after', EXAMPLES)
    .action(async (tenantName: string, flags: SyncFlags) => {
      cli.exitCode = await sync(cli, tenantName, flags);
    });
}

function endpointOverrides(f: SyncFlags): EndpointOverrides {
  return {
    ...(f.graphAuthorityHost === undefined ? {} : { authorityHost: f.graphAuthorityHost }),
    ...(f.graphBaseUrl === undefined ? {} : { graphBaseUrl: f.graphBaseUrl }),
    ...(f.graphCaBundle === undefined ? {} : { caBundlePath: f.graphCaBundle }),
  };
}

async function sync(cli: PluginContext, tenantName: string, f: SyncFlags): Promise<ExitCode> {
  const timeoutMs = parseDuration(f.timeout);
  const namespace = cli.namespace();
  const tenant = await cli.get<TeamsTenant>(teamsTenantResource, tenantName);
  const req: RunRequest = {
    namespace,
    tenant: tenantName,
    runName: f.name ?? defaultRunName(tenantName, new Date()),
    dryRun: f.dryRun === true,
    diagnostic: f.diagnostic === true,
    mappings: f.mapping,
    note: f.note,
  };
  let login: SignedIn | undefined;
  if (f.signIn && f.dryRun !== true) {
    login = await signIn(tenant, {
      endpoints: endpointOverrides(f),
      clientId: f.clientId,
      scopes: f.scope.length === 0 ? ['.default'] : f.scope,
      force: f.force === true,
      prompt: (text) => cli.out.note(text),
    });
    checkSignedInUser(tenant, login, f.force === true);
  }
  await createRun(cli.kube(), req, login);
  const what = `TeamsSync ${namespace}/${req.runName}`;
  if (login === undefined) cli.out.line(`Created ${what} without a sign-in${f.dryRun === true ? ' (dry run)' : ''}.`);
  else
    cli.out.line(
      `Signed in as ${login.username}. Created ${what}; its token Secret is deleted when the run ends (token valid until ${login.expiresOn.toISOString()}).`,
    );
  if (f.wait === false) {
    cli.out.line(waitHint(req));
    return ExitCode.Ok;
  }
  const inScope = f.mapping.length > 0 ? new Set(f.mapping).size : await mappingsOfTenant(cli, tenantName);
  const interrupted = new AbortController();
  const onSignal = (): void => interrupted.abort();
  process.once('SIGINT', onSignal);
  try {
    const run = await followRun(cli.kube(), cli.out, namespace, req.runName, { inScope, timeoutMs, signal: interrupted.signal });
    for (const line of summaryLines(run, new Date())) cli.out.line(line);
    return runExitCode(run);
  } finally {
    process.off('SIGINT', onSignal);
  }
}

/** How many UserLicenseMappings of the namespace belong to the tenant (a paged list: tenants may have thousands). */
async function mappingsOfTenant(cli: PluginContext, tenant: string): Promise<number> {
  let count = 0;
  let next: string | undefined;
  do {
    const page = await cli.kube().list<MappingObject & KubeObject>(userLicenseMappingResource, {
      namespace: cli.namespace(),
      limit: 500,
      ...(next === undefined ? {} : { continue: next }),
    });
    count += page.items.filter((m) => m.spec.tenantRef.name === tenant).length;
    next = page.metadata?.continue || undefined;
  } while (next !== undefined);
  return count;
}
