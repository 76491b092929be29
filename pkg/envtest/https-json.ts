import { request } from 'node:https';

/** Minimal JSON-over-HTTPS client for the harness itself (the code under test uses client-node). */
export interface ApiserverEndpoint {
  readonly server: string;
  readonly caPem: string;
  readonly token: string;
}

export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

export function apiRequest(endpoint: ApiserverEndpoint, method: string, path: string, body?: unknown): Promise<JsonResponse> {
  const url = new URL(path, endpoint.server);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: endpoint.caPem,
        headers: {
          authorization: `Bearer ${endpoint.token}`,
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            // Plain-text answers (/readyz) stay strings.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}
