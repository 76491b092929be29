import type { GraphHttp, GraphRequestSpec } from './client.ts';
import { TerminalError } from './errors.ts';

/** One page of an OData collection. */
export interface ODataPage<T> {
  readonly value: T[];
  readonly nextLink: string | undefined;
  readonly deltaLink: string | undefined;
  /** `@odata.count`, present on the first page only when requested. */
  readonly count: number | undefined;
}

/** Parses a collection body; throws Terminal when the body is not a collection. */
export function parsePage<T>(body: unknown, operation: string): ODataPage<T> {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { value?: unknown }).value)) {
    throw new TerminalError(`Microsoft Graph returned an unexpected response to ${operation} (no "value" array)`);
  }
  const page = body as Record<string, unknown> & { value: T[] };
  const str = (key: string): string | undefined => (typeof page[key] === 'string' ? page[key] : undefined);
  const count = page['@odata.count'];
  return {
    value: page.value,
    nextLink: str('@odata.nextLink'),
    deltaLink: str('@odata.deltaLink'),
    count: typeof count === 'number' ? count : undefined,
  };
}

/**
 * Iterates the pages of a collection, following `@odata.nextLink` verbatim until it is absent
 * (https://learn.microsoft.com/graph/paging). The first request's headers (e.g. `ConsistencyLevel: eventual`, `Prefer`) are re-sent on every page,
 * because Graph does not encode them into the link. Empty pages with a nextLink are followed.
 *
 * Gotchas: a nextLink that repeats the previous URL is treated as a server fault (Terminal) instead of looping.
 */
export async function* pages<T>(http: GraphHttp, first: GraphRequestSpec): AsyncGenerator<ODataPage<T>> {
  let spec: GraphRequestSpec = first;
  let previous: string | undefined;
  for (;;) {
    const res = await http.send<unknown>(spec);
    const page = parsePage<T>(res.body, first.operation);
    yield page;
    if (page.nextLink === undefined) return;
    if (page.nextLink === previous) throw new TerminalError(`Microsoft Graph returned the same nextLink twice while trying to ${first.operation}`);
    previous = page.nextLink;
    spec = { ...first, path: page.nextLink, query: {} };
  }
}

/** Iterates the items of every page. */
export async function* items<T>(http: GraphHttp, first: GraphRequestSpec): AsyncGenerator<T> {
  for await (const page of pages<T>(http, first)) yield* page.value;
}

/** Reads an async iterable into an array (for small collections). */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
