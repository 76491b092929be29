/**
 * `kubectl teamssync map --from-csv`: read the export, plan each row, check every row that would be created with
 * a server-side dry run (`dryRun=All`: the apiserver runs defaulting, the CRD schema, CEL rules and admission
 * exactly as for a real create, and stores nothing), and only then create, all or nothing unless `skipInvalid`.
 * The apiserver is the judge of field rules, so the plugin never carries a second copy of the schema.
 */
import type { UserLicenseMapping } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { ApiError } from '../../../pkg/runtime/api-error.ts';
import type { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import { listAll } from '../../../pkg/runtime/list-pager.ts';
import type { KubeObject } from '../../../pkg/runtime/resource.ts';
import { UserLicenseMappingResource } from '../../../controllers/shared/resources.ts';
import { planImport } from './import-plan.ts';
import { isCandidate, mappingOfRow, type NewMapping, type RowRejection } from './mapping-rows.ts';
import { readPbxExport } from './pbx-export.ts';

/** The two apiserver calls an import makes. */
export interface MappingApi {
  /** Every UserLicenseMapping of the namespace (paged). */
  list(namespace: string): Promise<readonly UserLicenseMapping[]>;
  /** Creates (or with `dryRun` only checks) one mapping; a refusal is returned with the apiserver's reason. */
  create(mapping: NewMapping, dryRun: boolean): Promise<{ readonly ok: true } | { readonly ok: false; readonly reason: string }>;
}

/** What happened to one row. `valid` = passed every check but was not applied (`--dry-run`, or other rows failed). */
export type RowResult = 'created' | 'unchanged' | 'valid' | 'rejected' | 'failed';

/** One row of the report. */
export interface RowReport {
  readonly row: number;
  readonly name?: string | undefined;
  readonly result: RowResult;
  readonly reasons?: readonly string[] | undefined;
}

/** The import's report: every row, in file order, and whether anything was written. */
export interface ImportReport {
  /** Set when the file as a whole is unusable (no row was looked at). */
  readonly fileProblem?: string | undefined;
  readonly rows: readonly RowReport[];
  readonly applied: boolean;
  readonly counts: Readonly<Record<RowResult, number>>;
}

/** Options of {@link runImport}. */
export interface ImportOptions {
  readonly namespace: string;
  readonly tenant: string;
  readonly country?: string | undefined;
  readonly skipInvalid: boolean;
  readonly dryRun: boolean;
  /** Apiserver calls in flight at once. Default 8. */
  readonly concurrency?: number;
}

/** Runs `task` over `items` with at most `limit` in flight; results in input order. */
async function pooled<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await task(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function countOf(rows: readonly RowReport[]): Record<RowResult, number> {
  const counts: Record<RowResult, number> = { created: 0, unchanged: 0, valid: 0, rejected: 0, failed: 0 };
  for (const r of rows) counts[r.result] += 1;
  return counts;
}

/** Reads, plans, dry-runs and (when allowed) applies the export in `text`. */
export async function runImport(text: string, api: MappingApi, options: ImportOptions): Promise<ImportReport> {
  const exported = readPbxExport(text);
  if (!exported.ok) return { fileProblem: exported.reason, rows: [], applied: false, counts: countOf([]) };
  const read = exported.records.map((r) => mappingOfRow(r, options));
  const candidates = read.filter(isCandidate);
  const rejections = read.filter((r): r is RowRejection => !isCandidate(r));
  const plans = planImport(candidates, rejections, await api.list(options.namespace));
  const concurrency = options.concurrency ?? 8;
  const checked = await pooled(plans, concurrency, async (plan): Promise<RowReport & { mapping?: NewMapping }> => {
    if (plan.action === 'unchanged') return { row: plan.row, name: plan.name, result: 'unchanged' };
    if (plan.action === 'rejected') return { row: plan.row, name: plan.name, result: 'rejected', reasons: plan.reasons };
    const answer = await api.create(plan.mapping, true);
    return answer.ok
      ? { row: plan.row, name: plan.name, result: 'valid', mapping: plan.mapping }
      : { row: plan.row, name: plan.name, result: 'rejected', reasons: [answer.reason] };
  });
  const anyRejected = checked.some((r) => r.result === 'rejected');
  const apply = !options.dryRun && (!anyRejected || options.skipInvalid);
  const rows = !apply
    ? checked.map(({ mapping: _, ...row }) => row)
    : await pooled(checked, concurrency, async ({ mapping, ...row }): Promise<RowReport> => {
        if (mapping === undefined) return row;
        const answer = await api.create(mapping, false);
        return answer.ok ? { ...row, result: 'created' } : { ...row, result: 'failed', reasons: [answer.reason] };
      });
  return { rows, applied: apply, counts: countOf(rows) };
}

/** The apiserver's reason without the `Kind.group "name" is invalid: ` preamble the row already shows. */
function refusalReason(error: ApiError): string {
  const message = error.status?.message ?? error.message;
  return message.replace(/^[A-Za-z]+\.[a-z0-9.]+ "[^"]*" is (invalid|forbidden): /, '');
}

/** {@link MappingApi} over the apiserver. */
export function kubeMappingApi(client: KubeClient): MappingApi {
  const path = (namespace: string): string =>
    `/apis/${UserLicenseMappingResource.group}/${UserLicenseMappingResource.version}/namespaces/${namespace}/userlicensemappings`;
  return {
    async list(namespace) {
      const items = await listAll<UserLicenseMapping & KubeObject>(client, UserLicenseMappingResource, { namespace }, 500, new AbortController().signal);
      return items.items;
    },
    async create(mapping, dryRun) {
      try {
        await client.request('POST', path(mapping.metadata.namespace ?? ''), {
          body: mapping,
          query: { fieldValidation: 'Strict', ...(dryRun ? { dryRun: 'All' } : {}) },
        });
        return { ok: true };
      } catch (error) {
        // 4xx is the apiserver judging this object (schema, CEL, admission, already exists): a row-level answer.
        if (error instanceof ApiError && error.code >= 400 && error.code < 500 && error.code !== 401) return { ok: false, reason: refusalReason(error) };
        throw error;
      }
    },
  };
}
