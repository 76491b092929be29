import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import tls from 'node:tls';

/** Splits a PEM bundle into its certificates (Node's CA lists take one PEM per entry). */
export function splitPemBundle(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** Reads a CA bundle file; throws a plain Error naming the path when it is missing or holds no certificate. */
export function readCaBundle(path: string): string {
  const pem = readFileSync(path, 'utf8');
  if (splitPemBundle(pem).length === 0) throw new Error(`CA bundle ${path} contains no PEM certificate`);
  return pem;
}

/** Options for the per-client HTTPS agent. */
export interface AgentOptions {
  /** Extra CA certificates (PEM) trusted in addition to Node's default store. */
  readonly extraCaPem?: string;
  /** Sockets per origin; Graph requests of one tenant share them. */
  readonly maxSockets?: number;
  /** How long a pooled socket may sit idle before it is closed (default {@link IDLE_SOCKET_TIMEOUT_MS}). */
  readonly idleSocketTimeoutMs?: number;
  /** Host name → `address:port` to connect to instead (see {@link parseConnectTo}); TLS and Host keep the host name. */
  readonly connectTo?: Readonly<Record<string, string>>;
}

/** One TLS context per distinct extra-CA bundle, shared by every agent (see {@link secureContextFor}). */
const secureContexts = new Map<string, tls.SecureContext>();

/**
 * Why shared: given `ca`, tls.connect builds a new SecureContext for EVERY connection, parsing Node's ~140 default
 * roots plus the extra ones into a fresh OpenSSL store (native memory, not the JS heap). With an agent per tenant,
 * idle sockets closed after 4 s and a fleet of tenants, that churn held hundreds of MiB of a daemon's RSS.
 */
function secureContextFor(extra: readonly string[]): tls.SecureContext {
  const key = extra.join('\n');
  let context = secureContexts.get(key);
  if (context === undefined) {
    context = tls.createSecureContext({ ca: [...tls.getCACertificates('default'), ...extra] });
    secureContexts.set(key, context);
  }
  return context;
}

/** Below the shortest idle timeout servers commonly use (Node's http server: 5 s). */
const IDLE_SOCKET_TIMEOUT_MS = 4_000;

/**
 * Creates the keep-alive HTTPS agent one tenant client uses for BOTH Entra ID (msal-node, through our network
 * module) and Graph (through our transport middleware).
 *
 * Why per client and not NODE_EXTRA_CA_CERTS: that variable is read once at process start, so a controller could not
 * trust a simulator CA it learns from configuration. Passing `ca` to an agent replaces Node's default store, so the
 * default store is included explicitly: the same agent still reaches the real Microsoft endpoints.
 */
export function createHttpsAgent(options: AgentOptions = {}): Agent {
  const extra = options.extraCaPem === undefined ? [] : splitPemBundle(options.extraCaPem);
  const agent = new Agent({
    keepAlive: true,
    // An idle pooled socket is closed after this long (Node destroys only free sockets on this timeout). Servers
    // close idle connections too (Node's default 5 s, load balancers minutes), usually without a Keep-Alive hint;
    // a request written on a socket the server is closing fails after it may have been read: an ambiguous write.
    timeout: options.idleSocketTimeoutMs ?? IDLE_SOCKET_TIMEOUT_MS,
    maxSockets: options.maxSockets ?? 32,
    ...(extra.length === 0 ? {} : { secureContext: secureContextFor(extra) }),
  });
  if (options.connectTo !== undefined && Object.keys(options.connectTo).length > 0) redirectConnections(agent, options.connectTo);
  cacheSessionsCompactly(agent);
  return agent;
}

/** The agent's TLS session cache, as node:https implements it (a documented-by-use internal since Node 0.11). */
interface SessionCachingAgent {
  _cacheSession?: (key: string, session: Buffer) => void;
}

/**
 * Why: the session Node hands an agent to cache (about 1 KB) is a view into a 64 KiB buffer, and an agent keeps its
 * sessions for its own life: a tenant client's, the process's. So each tenant pinned 64 KiB per origin (Entra ID and
 * Graph) outside the JS heap, ~30 KiB a tenant on average in a fleet's heap snapshot. A copy of its own size pins nothing.
 * Without the internal (a Node that renamed it) the agent caches as before; test/unit/graph/tls.test.ts notices.
 */
function cacheSessionsCompactly(agent: Agent): void {
  const internal = agent as Agent & SessionCachingAgent;
  const cache = internal._cacheSession;
  if (typeof cache !== 'function') return;
  internal._cacheSession = (key, session) => {
    cache.call(agent, key, compactCopy(session));
  };
}

function compactCopy(buffer: Buffer): Buffer {
  if (buffer.byteOffset === 0 && buffer.buffer.byteLength === buffer.length) return buffer;
  const copy = Buffer.allocUnsafeSlow(buffer.length); // its own backing store, not a slice of the 8 KiB pool
  buffer.copy(copy);
  return copy;
}

/**
 * Parses `host=address:port,...` (curl's --connect-to, one hop): requests to `https://host/...` open their TCP
 * connection to `address:port` while the URL, the TLS server name (SNI and certificate check) and the Host header stay
 * `host`. Throws a plain Error naming the bad entry.
 */
export function parseConnectTo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')) {
    const m = /^([A-Za-z0-9.-]+)=([A-Za-z0-9.:[\]-]+):(\d{1,5})$/.exec(entry);
    if (m === null) throw new Error(`connect-to entry ${JSON.stringify(entry)} is not host=address:port`);
    out[(m[1] ?? '').toLowerCase()] = `${m[2] ?? ''}:${m[3] ?? ''}`;
  }
  return out;
}

/**
 * Why at the socket and not by rewriting URLs: the national clouds differ in host names only (Entra authority, Graph
 * root, token audience, msal's built-in cloud metadata), so a test that rewrote them would not test them. Redirecting
 * the TCP connection keeps every name as in production; only the address it resolves to changes (as /etc/hosts would,
 * plus a port).
 */
function redirectConnections(agent: Agent, connectTo: Readonly<Record<string, string>>): void {
  const connect = agent.createConnection.bind(agent);
  agent.createConnection = (opts, callback) => {
    const target = typeof opts.host === 'string' ? connectTo[opts.host.toLowerCase()] : undefined;
    if (target === undefined) return connect(opts, callback);
    const at = target.lastIndexOf(':');
    const servername = typeof opts.servername === 'string' && opts.servername !== '' ? opts.servername : (opts.host ?? undefined);
    return connect({ ...opts, host: target.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(target.slice(at + 1)), servername }, callback);
  };
}

/**
 * Adds CA certificates to the process-wide default store (Node ≥ 22.19 / 24.5 `tls.setDefaultCACertificates`).
 *
 * When to use: only for code that cannot take an agent, e.g. msal-node's built-in fetch-based client or a third-party
 * library; verified to affect both global `fetch` (undici) and `node:https`. Prefer `createHttpsAgent`.
 * Gotchas: process-wide and irreversible for connections already pooled; idempotent for repeated certificates.
 */
export function trustCaProcessWide(pem: string): void {
  const current = tls.getCACertificates('default');
  const missing = splitPemBundle(pem).filter((cert) => !current.some((c) => c.trim() === cert.trim()));
  if (missing.length > 0) tls.setDefaultCACertificates([...current, ...missing]);
}
