import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSimulatorTls } from '../../../../pkg/m365sim/server/tls-ca.ts';

/** A request as the scripted server saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

/** What a handler answers. */
export interface ScriptedReply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

export type Handler = (req: SeenRequest, origin: string) => ScriptedReply | Promise<ScriptedReply>;

/** A loopback HTTPS server with a throw-away CA, answering from a script; records every request. */
export interface ScriptedServer {
  readonly origin: string;
  readonly caPem: string;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

/** Starts a scripted server; `handler` gets each request (body buffered) and the server origin. */
export async function startScriptedServer(handler: Handler): Promise<ScriptedServer> {
  const tls = createSimulatorTls();
  const seen: SeenRequest[] = [];
  let origin = '';
  const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      seen.push(entry);
      void Promise.resolve(handler(entry, origin)).then((reply) => {
        const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status, { ...(text === '' ? {} : { 'content-type': 'application/json' }), ...reply.headers });
        res.end(text);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    caPem: tls.caPem,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** JSON body of a seen request. */
export function jsonBody(req: SeenRequest): unknown {
  return req.body === '' ? undefined : JSON.parse(req.body);
}
