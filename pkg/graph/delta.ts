import type { GraphHttp, GraphRequestSpec } from './client.ts';
import { errorFromResponse, odataError } from './http-errors.ts';
import { parsePage } from './paging.ts';

/**
 * Where delta links are kept between rounds (a SQLite implementation lives elsewhere; `MemoryDeltaTokenStore`
 * is for tests). Keys are chosen by the caller, e.g. `users:<tenantId>`.
 */
export interface DeltaTokenStore {
  get(key: string): Promise<string | undefined> | string | undefined;
  set(key: string, link: string): Promise<void> | void;
}

/** In-memory `DeltaTokenStore` (tests, benches). */
export class MemoryDeltaTokenStore implements DeltaTokenStore {
  readonly links = new Map<string, string>();
  get(key: string): string | undefined {
    return this.links.get(key);
  }
  set(key: string, link: string): void {
    this.links.set(key, link);
  }
}

/** An object reported as removed: `changed` = soft-deleted (restorable), `deleted` = gone. */
export interface RemovedItem {
  readonly id: string;
  readonly reason: string;
}

/**
 * One page of a delta round.
 * - `initial`: first round (no stored link): a full read.
 * - `incremental`: changes since the stored link.
 * - `resync`: the stored link had expired; this round is a full read again, so anything not seen in it since the
 *   previous full read may be gone.
 */
export interface DeltaPage<T> {
  readonly mode: 'initial' | 'incremental' | 'resync';
  readonly upserts: T[];
  readonly removed: RemovedItem[];
  /** True on the round's last page (its deltaLink is stored once the consumer asks for the next page). */
  readonly last: boolean;
}

const EXPIRED_CODES = new Set(['syncstatenotfound', 'resyncrequired', 'syncstateinvalid']);

/**
 * True when a delta response means "token expired, start over" (https://learn.microsoft.com/graph/api/user-delta,
 * https://learn.microsoft.com/graph/api/contact-delta).
 */
export function isDeltaTokenExpired(status: number, body: unknown): boolean {
  if (status === 410) return true;
  const code = odataError(body)?.code.toLowerCase();
  return (status === 400 || status === 404) && code !== undefined && EXPIRED_CODES.has(code);
}

/**
 * Runs one delta round: from the stored link, or from `initial` (a full read) when none is stored or it expired.
 * Persists the new deltaLink after the consumer has taken the last page, so a crash mid-round replays the round
 * instead of skipping changes. Processing must be idempotent: Graph may replay objects across pages.
 *
 * Gotchas: consume the iterator to its end (do not `break` on `last`), or the new link is not stored.
 */
export async function* deltaRound<T extends { id: string }>(
  http: GraphHttp,
  options: { readonly key: string; readonly store: DeltaTokenStore; readonly initial: GraphRequestSpec },
): AsyncGenerator<DeltaPage<T>> {
  const stored = await options.store.get(options.key);
  let mode: DeltaPage<T>['mode'] = stored === undefined ? 'initial' : 'incremental';
  let spec: GraphRequestSpec = stored === undefined ? options.initial : { ...options.initial, path: stored, query: {} };
  for (;;) {
    const res = await http.sendRaw<unknown>(spec);
    if (res.status < 200 || res.status >= 300) {
      if (mode !== 'resync' && isDeltaTokenExpired(res.status, res.body)) {
        mode = 'resync';
        spec = options.initial;
        continue;
      }
      throw errorFromResponse({ status: res.status, body: res.body }, http.facts(options.initial));
    }
    const page = parsePage<T & { '@removed'?: { reason?: unknown } }>(res.body, options.initial.operation);
    const removed = page.value
      .filter((v) => v['@removed'] !== undefined)
      .map((v) => ({ id: v.id, reason: typeof v['@removed']?.reason === 'string' ? v['@removed'].reason : 'deleted' }));
    const upserts = page.value.filter((v) => v['@removed'] === undefined);
    const last = page.nextLink === undefined;
    yield { mode, upserts, removed, last };
    if (last) {
      if (page.deltaLink !== undefined) await options.store.set(options.key, page.deltaLink);
      return;
    }
    spec = { ...options.initial, path: page.nextLink, query: {} };
  }
}
