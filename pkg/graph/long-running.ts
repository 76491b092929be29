import { sleep } from '../runtime/clock.ts';
import type { GraphHttp } from './client.ts';
import { ReplicationPendingError, TerminalError } from './errors.ts';
import type { TelephoneNumberLongRunningOperation } from './api/teams-types.ts';

/**
 * How number operations are polled
 * (https://learn.microsoft.com/graph/api/teamsadministration-telephonenumberlongrunningoperation-get: back off 2 s, 4 s,
 * ... capped at 30 s).
 */
export interface PollPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Give up waiting (not the operation) after this long; the caller resumes later with the operation id. */
  readonly timeoutMs: number;
}

/** Defaults from https://learn.microsoft.com/graph/api/teamsadministration-telephonenumberlongrunningoperation-get, with a 10-minute in-process wait. */
export const DEFAULT_POLL: PollPolicy = { initialDelayMs: 2_000, maxDelayMs: 30_000, timeoutMs: 600_000 };

/** Extracts the operation id from a `Location` header (`operations('id')` or `operations/id`). */
export function operationIdFromLocation(location: string | null): string | undefined {
  if (location === null) return undefined;
  const path = decodeURIComponent(location.replace(/[?#].*$/, ''));
  const match = /operations(?:\('([^']+)'\)|\/([^/]+))\/?$/.exec(path);
  return match?.[1] ?? match?.[2];
}

const RUNNING = new Set(['notStarted', 'running']);

/** True once the status is final (anything but notStarted/running; unknown values count as final, not succeeded). */
export function isFinalStatus(status: string): boolean {
  return !RUNNING.has(status);
}

/** Normalises the operation body (the doc sample wraps it in `value: [...]`; both shapes are accepted). */
export function parseOperation(body: unknown): TelephoneNumberLongRunningOperation {
  const candidate = Array.isArray((body as { value?: unknown } | undefined)?.value) ? (body as { value: unknown[] }).value[0] : body;
  if (typeof candidate !== 'object' || candidate === null || typeof (candidate as { status?: unknown }).status !== 'string') {
    throw new TerminalError('Microsoft Graph returned a number operation without a status');
  }
  return candidate as TelephoneNumberLongRunningOperation;
}

/**
 * Reads a number operation once, final or not: for a caller that schedules its own next look
 * (a controller requeues rather than holding a worker while the operation runs). An id Graph
 * does not know (yet, or any more) throws `ReplicationPending`.
 */
export async function getNumberOperation(http: GraphHttp, operationId: string, signal?: AbortSignal): Promise<TelephoneNumberLongRunningOperation> {
  const res = await http.send<unknown>({
    method: 'GET',
    path: `admin/teams/telephoneNumberManagement/operations/${encodeURIComponent(operationId)}`,
    operation: 'read a telephone number operation',
    permission: 'TeamsTelephoneNumber.Read.All',
    notFound: 'ReplicationPending',
    ...(signal === undefined ? {} : { signal }),
  });
  return parseOperation(res.body);
}

/**
 * Polls until the operation is final, doubling the delay from `initialDelayMs` up to `maxDelayMs`.
 * Throws `ReplicationPending` (requeue, then resume with the same id) when `timeoutMs` passes first.
 */
export async function pollNumberOperation(
  http: GraphHttp,
  operationId: string,
  policy: PollPolicy = DEFAULT_POLL,
  signal?: AbortSignal,
): Promise<TelephoneNumberLongRunningOperation> {
  const deadline = Date.now() + policy.timeoutMs;
  for (let delay = policy.initialDelayMs; ; delay = Math.min(policy.maxDelayMs, delay * 2)) {
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())), signal, { unref: false });
    signal?.throwIfAborted();
    const operation = await getNumberOperation(http, operationId, signal);
    if (isFinalStatus(operation.status)) return operation;
    if (Date.now() >= deadline) {
      throw new ReplicationPendingError(`Telephone number operation ${operationId} is still ${operation.status}; the controller will check again`, {
        tenantId: http.tenantId,
      });
    }
  }
}
