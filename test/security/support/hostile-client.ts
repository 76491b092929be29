/**
 * The attacker's tools, loopback only and bounded: every request has a deadline, every body a size, every loop a
 * count. What the daemon does is reduced to an {@link Outcome}; judging it is the test's business.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** Where an endpoint listens; `ca` set for HTTPS. */
export interface Target {
  readonly port: number;
  readonly ca?: string;
}

/** What happened to one request. */
export type Outcome =
  | { readonly kind: 'answered'; readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: string }
  | { readonly kind: 'closed' }
  | { readonly kind: 'timeout' };

/** One request. */
export interface Attempt {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  /** A body, or a size of filler bytes streamed with backpressure (no buffer of that size is held here). */
  readonly body?: string | Buffer | { readonly fillerBytes: number };
  /** The attacker gives up after this long; default 20 s. */
  readonly giveUpMs?: number;
  /** Settle on the status line and drop the connection (for endless answers such as event streams). */
  readonly headersOnly?: boolean;
}

/** Most of an answer body kept (the rest is read and dropped). */
const KEEP_BODY = 64 * 1024;

/** Sends one request on a fresh connection; never throws. */
export function send(target: Target, attempt: Attempt): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(outcome);
    };
    const headers: Record<string, string> = { ...attempt.headers };
    const body = attempt.body;
    if (body !== undefined && typeof body === 'object' && 'fillerBytes' in body) headers['content-length'] ??= String(body.fillerBytes);
    const options = { host: '127.0.0.1', port: target.port, method: attempt.method ?? 'GET', path: attempt.path, headers, agent: false as const };
    const req = target.ca === undefined ? httpRequest(options) : httpsRequest({ ...options, ca: target.ca, servername: 'localhost' });
    const timer = setTimeout(() => finish({ kind: 'timeout' }), attempt.giveUpMs ?? 20_000);
    req.on('response', (res) => {
      if (attempt.headersOnly === true) {
        finish({ kind: 'answered', status: res.statusCode ?? 0, headers: res.headers, body: '' });
        return;
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (text.length < KEEP_BODY) text += chunk.slice(0, KEEP_BODY - text.length);
      });
      const done = (): void => finish({ kind: 'answered', status: res.statusCode ?? 0, headers: res.headers, body: text });
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    req.on('error', () => finish({ kind: 'closed' }));
    if (body === undefined) return void req.end();
    if (typeof body === 'string' || Buffer.isBuffer(body)) return void req.end(body);
    const chunk = Buffer.alloc(64 * 1024, 0x7b);
    let sent = 0;
    const pump = (): void => {
      while (sent < body.fillerBytes && !settled && !req.destroyed) {
        const size = Math.min(chunk.length, body.fillerBytes - sent);
        sent += size;
        if (!req.write(size === chunk.length ? chunk : chunk.subarray(0, size))) return void req.once('drain', pump);
      }
      if (!settled && !req.destroyed) req.end();
    };
    pump();
  });
}

/** A raw connection (TLS when the target has a CA); resolves once connected (and handshaken). */
export function openSocket(target: Target): Promise<{ socket: Socket; closed: () => boolean; received: () => string }> {
  return new Promise((resolve, reject) => {
    let closed = false;
    let received = '';
    const onConnect = (): void => resolve({ socket, closed: () => closed, received: () => received });
    const socket: Socket =
      target.ca === undefined
        ? netConnect({ host: '127.0.0.1', port: target.port }, onConnect)
        : tlsConnect({ host: '127.0.0.1', port: target.port, ca: target.ca, servername: 'localhost' }, onConnect);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      if (received.length < KEEP_BODY) received += chunk;
    });
    socket.on('close', () => {
      closed = true;
      reject(new Error('closed before connecting'));
    });
    socket.on('error', () => undefined);
  });
}

/**
 * Slowloris: opens `connections` connections that send request headers a line at a time, never finishing them.
 * Resolves with how many the server closed before the attacker gave up (after `giveUpMs`).
 */
export async function slowHeaders(target: Target, path: string, connections: number, giveUpMs: number): Promise<{ closedByServer: number; opened: number }> {
  const opened = await Promise.all(Array.from({ length: connections }, () => openSocket(target).catch(() => undefined)));
  const live = opened.filter((c): c is NonNullable<typeof c> => c !== undefined);
  for (const { socket } of live) socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n`);
  let line = 0;
  const trickle = setInterval(() => {
    line++;
    for (const { socket, closed } of live) if (!closed()) socket.write(`X-Slow-${line}: ${'a'.repeat(8)}\r\n`);
  }, 250);
  const deadline = Date.now() + giveUpMs;
  while (Date.now() < deadline && live.some((c) => !c.closed())) await new Promise((resolve) => setTimeout(resolve, 100));
  clearInterval(trickle);
  const closedByServer = live.filter((c) => c.closed()).length;
  for (const { socket } of live) socket.destroy();
  return { closedByServer, opened: live.length };
}

/** A deterministic byte generator (xorshift), so a failing fuzz case can be replayed from its seed. */
export function randomSource(seed: number): { next(): number; bytes(n: number): Buffer; pick<T>(items: readonly T[]): T } {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  return {
    next,
    bytes: (n) => Buffer.from(Array.from({ length: n }, () => next() & 0xff)),
    pick: (items) => items[next() % items.length] as (typeof items)[number],
  };
}

/** A fuzzed body: random bytes, broken or hostile JSON, deep nesting, huge numbers, prototype keys. */
export function fuzzBody(random: ReturnType<typeof randomSource>): string | Buffer {
  const shapes: (() => string | Buffer)[] = [
    () => random.bytes(1 + (random.next() % 2048)),
    () => '{"user":'.repeat(1 + (random.next() % 50)),
    () => `${'['.repeat(5000)}${']'.repeat(5000)}`,
    () => JSON.stringify({ user: 'a'.repeat(random.next() % 5000), state: random.pick(['onCall', 'callEnded', 'x', '', null, 1e308]) }),
    () => JSON.stringify([{ __proto__: { polluted: true }, constructor: { prototype: { x: 1 } }, user: 'a@b.c', state: 'onCall' }]),
    () =>
      JSON.stringify(Array.from({ length: random.next() % 600 }, (_, i) => ({ user: `u${i}@x.com`, state: 'onCall', callId: String(i), at: random.next() }))),
    () => JSON.stringify({ user: '\u0000\ud800\uffff', state: 'onCall', at: '9999-99-99T99:99:99Z' }),
    () => '"\\u0000"',
    () => 'null',
    () => JSON.stringify({ user: 'a@b.c', state: 'onCall', callId: { $gt: '' }, at: -1 }),
  ];
  return random.pick(shapes)();
}
