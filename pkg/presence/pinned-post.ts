/**
 * One webhook POST under a {@link DestinationPolicy}: the URL's host is resolved once, every address it resolves to
 * is checked, and the connection is made to the checked address (the socket's DNS lookup is replaced), so a name that
 * re-resolves to an internal address between the check and the connect (DNS rebinding) never gets a request.
 *
 * Failures are reported as a fixed message per class ({@link PostFailure}), never the system error text: a status
 * field that echoed "ECONNREFUSED 10.0.0.7:6443" would turn the webhook into a port scanner for whoever edits the URL.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkAddress, type DestinationPolicy } from './destination-policy.ts';

/**
 * node:http as CommonJS gives it, not an ES import: an ES import of node:http builds its namespace from every export,
 * and its WebSocket, MessageEvent and CloseEvent getters load Node's bundled undici (see pkg/runtime/http-server.ts).
 */
const { request: httpRequest } = process.getBuiltinModule('node:http');

/** A resolved address, as dns.lookup returns it. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a host name to every address (replaceable in tests). */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, order: 'verbatim' });

/** The answer of a POST that reached the destination. */
export interface PostAnswer {
  readonly status: number;
  readonly retryAfter: string | undefined;
}

/** Classes of failure; each has one fixed message (see {@link failureMessage}). */
export type PostFailureKind = 'invalidUrl' | 'httpsRequired' | 'addressNotAllowed' | 'nameNotResolved' | 'connectFailed' | 'timeout' | 'tls' | 'aborted';

const MESSAGES: Record<PostFailureKind, string> = {
  invalidUrl: 'destination refused: the URL is not valid',
  httpsRequired: 'destination refused: the URL must use https',
  addressNotAllowed: 'destination refused: the host resolves to an address that is not allowed',
  nameNotResolved: 'network error: the host name could not be resolved',
  connectFailed: 'network error: the connection failed',
  timeout: 'network error: timed out',
  tls: 'network error: TLS handshake failed',
  aborted: 'network error: aborted',
};

/** The fixed, detail-free message of a failure class. */
export function failureMessage(kind: PostFailureKind): string {
  return MESSAGES[kind];
}

/** A failed POST; `message` is the fixed text of its class, safe for status. */
export class PostFailure extends Error {
  override readonly name = 'PostFailure';
  readonly kind: PostFailureKind;

  constructor(kind: PostFailureKind) {
    super(MESSAGES[kind]);
    this.kind = kind;
  }

  /** True for a destination the policy refuses: a configuration problem, not an outage. */
  get refused(): boolean {
    return this.kind === 'invalidUrl' || this.kind === 'httpsRequired' || this.kind === 'addressNotAllowed';
  }
}

/** Options of {@link postPinned}. */
export interface PinnedPostOptions {
  readonly policy: DestinationPolicy;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly signal: AbortSignal;
  /** Set when the caller's deadline (not a stop) aborted, to report `timeout` rather than `aborted`. */
  readonly timedOut?: () => boolean;
  readonly resolver?: Resolver;
}

function classify(error: unknown, options: PinnedPostOptions): PostFailure {
  if (error instanceof PostFailure) return error;
  if (options.signal.aborted) return new PostFailure(options.timedOut?.() === true ? 'timeout' : 'aborted');
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') {
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NODATA' || code === 'EAI_NONAME')
      return new PostFailure('nameNotResolved');
    if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return new PostFailure('timeout');
    if (
      code.startsWith('ERR_SSL') ||
      code.startsWith('ERR_TLS') ||
      code.startsWith('UNABLE_TO_') ||
      code.includes('CERT') ||
      code === 'EPROTO' ||
      code === 'HOSTNAME_MISMATCH'
    ) {
      return new PostFailure('tls');
    }
  }
  return new PostFailure('connectFailed');
}

/** Rejects when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Resolves and checks the URL's host; returns the address to connect to. */
async function pin(url: URL, options: PinnedPostOptions): Promise<ResolvedAddress> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: readonly ResolvedAddress[];
  try {
    // getaddrinfo takes no signal: race it, so a resolver that never answers cannot outlive the attempt's deadline.
    addresses = await Promise.race([(options.resolver ?? systemResolver)(host), aborted(options.signal)]);
  } catch (error) {
    throw classify(error, options);
  }
  const first = addresses[0];
  // Every address must pass, not just the first: a name answering public + internal addresses is refused.
  if (first === undefined) throw new PostFailure('nameNotResolved');
  if (addresses.some((entry) => checkAddress(options.policy, entry.address) !== undefined)) throw new PostFailure('addressNotAllowed');
  return first;
}

/**
 * POSTs `body` to `target` once, no redirects followed, the answer's body discarded unread.
 *
 * When to use: the webhook sink's transport (one call per delivery attempt).
 * Gotchas: throws {@link PostFailure} only; TLS certificates are verified against the URL's host name (SNI too),
 * not the pinned address; no connection reuse, so every attempt is checked again.
 */
export async function postPinned(target: string, options: PinnedPostOptions): Promise<PostAnswer> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new PostFailure('invalidUrl');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new PostFailure('invalidUrl');
  if (url.username !== '' || url.password !== '') throw new PostFailure('invalidUrl');
  if (url.protocol === 'http:' && !options.policy.allowHttp) throw new PostFailure('httpsRequired');
  const pinned = await pin(url, options);
  const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    // Node asks for all addresses when it races IPv4/IPv6 (autoSelectFamily); either way only the pinned one exists.
    if ((lookupOptions as { all?: boolean }).all === true) (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<PostAnswer>((resolve, reject) => {
    const req = send(url, {
      method: 'POST',
      headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
      lookup,
      agent: false,
      signal: options.signal,
    });
    req.on('response', (res: IncomingMessage) => {
      const retryAfter = res.headers['retry-after'];
      resolve({ status: res.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined });
      // The receiver's answer body is not needed and could be endless: drop the connection.
      res.destroy();
    });
    req.on('error', (error) => reject(classify(error, options)));
    req.end(options.body);
  });
}
