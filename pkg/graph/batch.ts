import { backoffDelayMs, parseRetryAfterMs } from '../runtime/backoff.ts';
import type { GraphHttp } from './client.ts';
import type { LimitClass } from './endpoint-class.ts';
import { TerminalError, ValidationError } from './errors.ts';
import type { GraphMetrics } from './metrics.ts';
import type { ThrottleGate } from './throttle-gate.ts';
import { DEFAULT_RETRY } from './middleware/retry-decision.ts';

/** One request inside a `$batch` (https://learn.microsoft.com/graph/json-batching). `url` is relative to the version root (`/users/...`). */
export interface BatchItem {
  readonly id: string;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Ids of items that must succeed first; they are always sent in the same `$batch`. */
  readonly dependsOn?: readonly string[];
}

/** The answer to one item. `status` 429 after `maxRounds` means it stayed throttled. */
export interface BatchItemResult<T = unknown> {
  readonly id: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: T | undefined;
}

/** What a batch run needs besides the HTTP port. */
export interface BatchDeps {
  readonly http: GraphHttp;
  readonly gate: ThrottleGate;
  readonly metrics: GraphMetrics;
  readonly limitClass?: LimitClass;
  readonly maxRounds?: number;
  readonly signal?: AbortSignal;
}

/** Graph's limit of requests per `$batch`. */
export const MAX_BATCH_SIZE = 20;

/**
 * Executes items in as few `$batch` calls as possible (≤ 20 per call; dependency groups kept together), and
 * re-sends only the items that came back 429, after their own `Retry-After` (which also closes the tenant gate so no
 * other request jumps it). Items that failed with 424 because a throttled dependency failed are re-sent with it.
 *
 * Gotchas: the outer POST is marked idempotent only when every item is a GET; inner failures other than 429 are
 * returned as results, not thrown. Duplicate ids or a dependency group larger than 20 are a `ValidationError`.
 */
export async function executeBatch(deps: BatchDeps, items: readonly BatchItem[]): Promise<Map<string, BatchItemResult>> {
  assertValidBatch(items);
  const results = new Map<string, BatchItemResult>();
  let pending = [...items];
  const maxRounds = deps.maxRounds ?? 6;
  for (let round = 0; pending.length > 0; round++) {
    const retry: BatchItem[] = [];
    let waitMs = 0;
    for (const chunk of planChunks(pending, results, MAX_BATCH_SIZE)) {
      const answers = await sendChunk(deps, chunk);
      for (const item of chunk) {
        const answer = answers.get(item.id) ?? missing(item.id);
        const throttled = answer.status === 429 || (answer.status === 424 && dependsOnThrottled(item, answers));
        if (throttled && round + 1 < maxRounds) {
          retry.push(item);
          if (answer.status === 429) {
            deps.metrics.throttled.inc({ tenant: deps.http.tenantId, endpoint_class: 'batch' });
            waitMs = Math.max(waitMs, parseRetryAfterMs(answer.headers['retry-after']) ?? backoffDelayMs(round, DEFAULT_RETRY.backoff));
          }
        } else {
          results.set(item.id, answer);
        }
      }
    }
    pending = retry;
    if (pending.length > 0) await waitBeforeRetry(deps, waitMs);
  }
  return results;
}

async function waitBeforeRetry(deps: BatchDeps, waitMs: number): Promise<void> {
  // A 429 inside a batch is the tenant's budget too: close the gate so concurrent requests also hold off.
  deps.gate.closeFor(waitMs);
  const waited = await deps.gate.waitUntilOpen(deps.signal);
  if (waited > 0) deps.metrics.retryAfterSeconds.inc({ tenant: deps.http.tenantId }, waited / 1000);
}

function dependsOnThrottled(item: BatchItem, answers: Map<string, BatchItemResult>): boolean {
  return (item.dependsOn ?? []).some((d) => {
    const status = answers.get(d)?.status;
    return status === 429 || status === 424;
  });
}

function missing(id: string): BatchItemResult {
  return { id, status: 502, headers: {}, body: { error: { code: 'MissingBatchResponse', message: `No response for batch item ${id}` } } };
}

async function sendChunk(deps: BatchDeps, chunk: readonly BatchItem[]): Promise<Map<string, BatchItemResult>> {
  deps.metrics.batchSize.observe(chunk.length);
  const requests = chunk.map((item) => ({
    id: item.id,
    method: item.method,
    url: item.url.startsWith('/') ? item.url : `/${item.url}`,
    ...(item.body === undefined ? {} : { body: item.body, headers: { 'Content-Type': 'application/json', ...item.headers } }),
    ...(item.body === undefined && item.headers !== undefined ? { headers: item.headers } : {}),
    ...(item.dependsOn === undefined || item.dependsOn.length === 0 ? {} : { dependsOn: item.dependsOn }),
  }));
  const res = await deps.http.send<{ responses?: unknown }>({
    method: 'POST',
    path: '$batch',
    body: { requests },
    operation: 'send a $batch request',
    idempotent: chunk.every((item) => item.method === 'GET'),
    readOnly: chunk.every((item) => item.method === 'GET'),
    endpointClass: 'batch',
    ...(deps.limitClass === undefined ? {} : { limitClass: deps.limitClass }),
    ...(deps.signal === undefined ? {} : { signal: deps.signal }),
  });
  return parseBatchResponses(res.body?.responses);
}

/** Normalises the `responses` array: header names lower-cased, bodies kept as-is (may be absent). */
export function parseBatchResponses(responses: unknown): Map<string, BatchItemResult> {
  if (!Array.isArray(responses)) throw new TerminalError('Microsoft Graph returned a $batch response without a "responses" array');
  const out = new Map<string, BatchItemResult>();
  for (const r of responses as Array<Record<string, unknown>>) {
    const id = String(r['id']);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((r['headers'] as Record<string, unknown> | undefined) ?? {})) headers[k.toLowerCase()] = String(v);
    out.set(id, { id, status: Number(r['status']), headers, body: r['body'] ?? undefined });
  }
  return out;
}

/** Checks ids are unique and non-empty (Graph rejects the whole batch otherwise). */
function assertValidBatch(items: readonly BatchItem[]): void {
  const ids = new Set<string>();
  for (const item of items) {
    if (item.id === '' || ids.has(item.id)) throw new ValidationError(`Batch item ids must be unique and non-empty (got "${item.id}")`);
    ids.add(item.id);
  }
}

/**
 * Splits items into `$batch` chunks of at most `max`, keeping every dependency group (items linked by
 * `dependsOn`) in one chunk and in order. Dependencies that already succeeded in an earlier round are dropped from
 * `dependsOn` (Graph only resolves ids within one batch). Pure, for unit tests.
 */
export function planChunks(items: readonly BatchItem[], done: ReadonlyMap<string, BatchItemResult>, max: number): BatchItem[][] {
  const pendingIds = new Set(items.map((i) => i.id));
  const trimmed = items.map((item) => trimDependencies(item, pendingIds, done));
  const groups = dependencyGroups(trimmed);
  const chunks: BatchItem[][] = [];
  let current: BatchItem[] = [];
  for (const group of groups) {
    if (group.length > max) throw new ValidationError(`A $batch dependency group has ${group.length} requests; Graph allows ${max}`);
    if (current.length + group.length > max) {
      chunks.push(current);
      current = [];
    }
    current.push(...group);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function trimDependencies(item: BatchItem, pendingIds: ReadonlySet<string>, done: ReadonlyMap<string, BatchItemResult>): BatchItem {
  if (item.dependsOn === undefined) return item;
  const unknown = item.dependsOn.filter((d) => !pendingIds.has(d) && !done.has(d));
  if (unknown.length > 0) throw new ValidationError(`Batch item ${item.id} depends on unknown item(s) ${unknown.join(', ')}`);
  return { ...item, dependsOn: item.dependsOn.filter((d) => pendingIds.has(d)) };
}

/** Groups items connected through `dependsOn` (union-find), each group in input order, groups in first-seen order. */
function dependencyGroups(items: readonly BatchItem[]): BatchItem[][] {
  const parent = new Map(items.map((i) => [i.id, i.id]));
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    parent.set(id, root);
    return root;
  };
  for (const item of items) for (const dep of item.dependsOn ?? []) parent.set(find(item.id), find(dep));
  const groups = new Map<string, BatchItem[]>();
  for (const item of items) {
    const root = find(item.id);
    const group = groups.get(root) ?? [];
    group.push(item);
    groups.set(root, group);
  }
  return [...groups.values()];
}
