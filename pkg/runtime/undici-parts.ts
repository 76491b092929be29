import { createRequire } from 'node:module';
import type { Agent as UndiciAgent, buildConnector as undiciBuildConnector, Dispatcher } from 'undici';

/**
 * The three pieces of undici the runtime uses (its Agent, its TLS connector, its `request`), loaded from their own
 * files. Why: undici's index loads all of undici (fetch, WebSocket, EventSource, caches with their sqlite store,
 * mocks, proxies, interceptors) whatever is imported from it: measured, an idle process that imports the index takes
 * 25.5 MiB more RSS and one that loads these files 12.3 MiB, so ~13 MiB of the daemon's memory bought nothing.
 *
 * Gotcha: undici has no `exports` map, so its files can be named; a major upgrade may move them (the unit tests
 * that make requests fail then, at once).
 */
const require = createRequire(import.meta.url);

/** undici's `Agent` (a pool of clients per origin). */
export const Agent = require('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;

/** A connector made by {@link buildConnector}. */
export type Connector = undiciBuildConnector.connector;

/** undici's TLS/TCP connector factory. */
export const buildConnector = require('undici/lib/core/connect.js') as typeof undiciBuildConnector;

const dispatchRequest = require('undici/lib/api/api-request.js') as (this: Dispatcher, opts: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

/** undici's `request(url, { dispatcher, ... })`, for one dispatcher: `path` is the request target (path and query). */
export function request(
  dispatcher: Dispatcher,
  origin: string,
  path: string,
  opts: Omit<Dispatcher.RequestOptions, 'origin' | 'path'>,
): Promise<Dispatcher.ResponseData> {
  return dispatchRequest.call(dispatcher, { ...opts, origin, path });
}
