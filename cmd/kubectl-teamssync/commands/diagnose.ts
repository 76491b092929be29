/**
 * `kubectl teamssync diagnose MAPPING|TENANT`: why an object is not Ready and what to fix: its conditions in
 * plain words with the fix, the Microsoft 365 operation in flight (status.operation / status.intent), recent
 * Events, and what the next sync would change for just that object, from a dry-run TeamsSync (spec.dryRun,
 * scope Mappings [NAME] or the whole tenant; nothing is written to Microsoft 365; the run is deleted afterwards
 * unless --keep-dry-run).
 */
import { Option, type Command } from 'commander';
import type { UserLicenseMapping as MappingObject, TeamsTenant as TenantObject } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { ApiError } from '../../../pkg/runtime/api-error.ts';
import type { KubeObject, ResourceRef } from '../../../pkg/runtime/resource.ts';
import { teamsSyncResource, teamsTenantResource, userLicenseMappingResource } from '../../../controllers/teamssync/resources.ts';
import type { PluginContext } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { outputFormats, parseDuration } from '../output.ts';
import { followRun } from '../runs/follow.ts';
import type { Run } from '../runs/run-view.ts';
import { defaultRunName, teamsSyncRun } from '../sync/objects.ts';
import { explain, type DiagnosedKind } from '../diagnose/explain.ts';
import { conditionLines, dryRunLines, eventLines, operationLines, type ConditionView, type EventView } from '../diagnose/report.ts';

type Mapping = MappingObject & KubeObject;
/** core/v1 Events: the apiserver serves the controller's events.k8s.io Events there too, with involvedObject field selectors. */
const coreEvents: ResourceRef = { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true };
type Tenant = TenantObject & KubeObject;

const EXAMPLES = `
Examples:
  kubectl teamssync diagnose alice -n acme               # a UserLicenseMapping (tried first)
  kubectl teamssync diagnose tenant/contoso -n acme      # a TeamsTenant (or just its name)
  kubectl teamssync diagnose alice -n acme --no-dry-run  # skip the dry run
  kubectl teamssync diagnose alice -n acme -o json       # the diagnosis as JSON

Exit codes: 0 diagnosed (whatever the object's health), 1 error, 2 usage, 4 no such mapping or tenant.`;

interface DiagnoseFlags {
  readonly output: string;
  readonly dryRun: boolean;
  readonly keepDryRun?: boolean;
  readonly timeout: string;
}

/** Registers `diagnose`. */
export function register(program: Command, cli: PluginContext): void {
  program
    .command('diagnose')
    .description('Why a mapping or tenant is not Ready, what to fix, what is in flight and what the next sync would change')
    .argument('<target>', 'a UserLicenseMapping or TeamsTenant name; mapping/NAME or tenant/NAME when both exist')
    .option('--no-dry-run', 'skip the dry run of the next sync')
    .option('--keep-dry-run', 'keep the dry-run TeamsSync in the history')
    .option('--timeout <duration>', 'how long to wait for the dry run (it waits while another run of the tenant is going on)', '2m')
    .addOption(new Option('-o, --output <format>', 'output format').choices(outputFormats).default('table'))
    .addHelpText('after', EXAMPLES)
    .action(async (target: string, flags: DiagnoseFlags) => {
      await diagnose(cli, target, flags);
    });
}

/** Finds the object: `mapping/NAME`, `tenant/NAME`, or a mapping of that name, else a tenant. */
async function resolve(cli: PluginContext, target: string): Promise<{ kind: DiagnosedKind; obj: Mapping | Tenant }> {
  const [prefix, rest] = target.includes('/') ? (target.split('/', 2) as [string, string]) : ['', target];
  const kinds: Record<string, DiagnosedKind> = {
    mapping: 'UserLicenseMapping',
    userlicensemapping: 'UserLicenseMapping',
    ulm: 'UserLicenseMapping',
    tenant: 'TeamsTenant',
    teamstenant: 'TeamsTenant',
  };
  const wanted = prefix === '' ? undefined : kinds[prefix.toLowerCase()];
  if (prefix !== '' && wanted === undefined) throw new CliError(`unknown kind "${prefix}": use mapping/NAME or tenant/NAME`, ExitCode.Usage);
  if (wanted !== 'TeamsTenant') {
    const mapping = await cli.get<Mapping>(userLicenseMappingResource, rest).catch((err: unknown) => {
      if (err instanceof CliError && err.code === ExitCode.NotFound && wanted === undefined) return undefined;
      throw err;
    });
    if (mapping !== undefined) return { kind: 'UserLicenseMapping', obj: mapping };
  }
  const tenant = await cli.get<Tenant>(teamsTenantResource, rest).catch((err: unknown) => {
    if (err instanceof CliError && err.code === ExitCode.NotFound && wanted === undefined) {
      throw new CliError(`no UserLicenseMapping or TeamsTenant "${rest}" in namespace "${cli.namespace()}"`, ExitCode.NotFound);
    }
    throw err;
  });
  return { kind: 'TeamsTenant', obj: tenant };
}

async function diagnose(cli: PluginContext, target: string, flags: DiagnoseFlags): Promise<void> {
  const format = cli.outputFormat(flags.output);
  const timeoutMs = parseDuration(flags.timeout);
  const { kind, obj } = await resolve(cli, target);
  const name = obj.metadata.name;
  const tenantName = kind === 'TeamsTenant' ? name : (obj as Mapping).spec.tenantRef.name;
  const conditions = (obj.status?.conditions ?? []) as ConditionView[];
  const events = await recentEvents(cli, kind, name);
  const attention = kind === 'TeamsTenant' ? await mappingsNeedingAttention(cli, name) : [];
  const dryRun = flags.dryRun
    ? await dryRunOf(cli, tenantName, kind === 'UserLicenseMapping' ? name : undefined, timeoutMs, flags.keepDryRun === true)
    : undefined;
  const now = new Date();
  if (format !== 'table') {
    cli.out.document(
      {
        kind,
        name,
        namespace: cli.namespace(),
        tenant: tenantName,
        conditions: conditions.map((c) => ({ ...c, ...explain(kind, c.reason) })),
        inFlight: kind === 'UserLicenseMapping' ? pick((obj as Mapping).status, ['operation', 'intent', 'pendingActions']) : tenantWork(obj as Tenant),
        events,
        mappingsNeedingAttention: kind === 'TeamsTenant' ? attention : undefined,
        nextSync:
          dryRun === undefined
            ? undefined
            : { run: dryRun.metadata.name, phase: dryRun.status?.phase, counts: dryRun.status?.counts, results: dryRun.status?.results },
      },
      format,
    );
    return;
  }
  cli.out.line(`${kind} ${cli.namespace()}/${name}${kind === 'UserLicenseMapping' ? ` (tenant ${tenantName})` : ''}`);
  cli.out.line('\nConditions:');
  for (const l of conditionLines(kind, conditions, now)) cli.out.line(l);
  cli.out.line('\nIn flight:');
  const work = kind === 'UserLicenseMapping' ? operationLines((obj as Mapping).status ?? {}, now) : tenantLines(obj as Tenant);
  for (const l of work) cli.out.line(l);
  if (kind === 'TeamsTenant') {
    cli.out.line('\nMappings needing attention:');
    if (attention.length === 0) cli.out.line('  None.');
    for (const a of attention.slice(0, 20)) cli.out.line(`  ${a.name}: ${a.reason} — ${a.message}`);
    if (attention.length > 20) cli.out.line(`  … and ${String(attention.length - 20)} more (kubectl get userlicensemappings -n ${cli.namespace()})`);
  }
  cli.out.line('\nRecent events:');
  for (const l of eventLines(events, now)) cli.out.line(l);
  if (dryRun !== undefined) {
    cli.out.line(`\nThe next sync would change (dry run ${dryRun.metadata.name}):`);
    for (const l of dryRunLines(dryRun, kind === 'UserLicenseMapping' ? name : undefined)) cli.out.line(l);
  }
}

function pick<T extends object>(value: T | undefined, keys: readonly (keyof T)[]): Partial<T> {
  return Object.fromEntries(keys.filter((k) => value?.[k] !== undefined).map((k) => [k, value?.[k]])) as Partial<T>;
}

function tenantWork(t: Tenant): Record<string, unknown> {
  return pick(t.status, ['pendingChanges', 'pendingSince', 'licenses', 'lastSyncRun', 'lastSyncResult', 'lastSyncTime', 'authentication']);
}

/** A tenant's work in words: queued changes, licences, the last sync, missing permissions. */
function tenantLines(t: Tenant): string[] {
  const s = t.status;
  const lines: string[] = [];
  if ((s?.pendingChanges ?? 0) > 0)
    lines.push(`  ${String(s?.pendingChanges)} mapping changes wait for a sync${s?.pendingSince === undefined ? '' : ` (since ${s.pendingSince})`}`);
  if (s?.licenses !== undefined) lines.push(`  Integration licences: ${s.licenses.summary} used, ${String(s.licenses.waiting)} mappings waiting`);
  if (s?.lastSyncRun !== undefined) lines.push(`  Last sync: ${s.lastSyncRun} ${s.lastSyncResult ?? ''} ${s.lastSyncTime ?? ''}`.trimEnd());
  const missing = s?.authentication?.missingPermissions ?? [];
  if (missing.length > 0) lines.push(`  Missing permissions: ${missing.join(', ')}`);
  return lines.length === 0 ? ['  Nothing in flight.'] : lines;
}

/** Core/v1 Events about the object (what `kubectl describe` shows; the controller's events.k8s.io Events appear there too). */
async function recentEvents(cli: PluginContext, kind: DiagnosedKind, name: string): Promise<EventView[]> {
  const list = await cli
    .kube()
    .list<EventView & KubeObject>(coreEvents, {
      namespace: cli.namespace(),
      fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}`,
    })
    .catch((err: unknown) => {
      if (err instanceof ApiError && err.code === 403) return { items: [] };
      throw err;
    });
  return list.items.map((e) => pick(e, ['type', 'reason', 'message', 'count', 'lastTimestamp', 'eventTime', 'metadata']));
}

/** The tenant's mappings whose Ready condition is not True, with its reason and message. */
async function mappingsNeedingAttention(cli: PluginContext, tenant: string): Promise<{ name: string; reason: string; message: string }[]> {
  const out: { name: string; reason: string; message: string }[] = [];
  let next: string | undefined;
  do {
    const page = await cli
      .kube()
      .list<Mapping>(userLicenseMappingResource, { namespace: cli.namespace(), limit: 500, ...(next === undefined ? {} : { continue: next }) });
    for (const m of page.items) {
      if (m.spec.tenantRef.name !== tenant) continue;
      const ready = m.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status === 'True') continue;
      const failed = m.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
      const why = failed ?? ready;
      out.push({ name: m.metadata.name, reason: why?.reason ?? 'NotVisited', message: why?.message ?? 'The controller has not visited it yet' });
    }
    next = page.metadata?.continue || undefined;
  } while (next !== undefined);
  return out;
}

/** Creates a dry-run TeamsSync for the tenant (or one mapping), waits for it, reads it, and deletes it unless kept. */
async function dryRunOf(cli: PluginContext, tenant: string, mapping: string | undefined, timeoutMs: number, keep: boolean): Promise<Run> {
  const namespace = cli.namespace();
  const runName = defaultRunName(tenant, new Date()).replace('-sync-', '-dryrun-');
  const req = {
    namespace,
    tenant,
    runName,
    dryRun: true,
    diagnostic: true,
    mappings: mapping === undefined ? [] : [mapping],
    note: 'kubectl teamssync diagnose',
  };
  await cli.kube().create<KubeObject>(teamsSyncResource, namespace, teamsSyncRun(req, false));
  try {
    return await followRun(cli.kube(), cli.out, namespace, runName, { inScope: 0, timeoutMs, quiet: true }).catch(async (err: unknown) => {
      if (err instanceof CliError) return cli.kube().get<Run>(teamsSyncResource, namespace, runName);
      throw err;
    });
  } finally {
    if (!keep)
      await cli
        .kube()
        .delete(teamsSyncResource, namespace, runName)
        .catch(() => undefined);
  }
}
