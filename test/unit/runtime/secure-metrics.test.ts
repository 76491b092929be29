import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { startManagerEndpoints } from '../../../pkg/runtime/http-server.ts';
import type { ScrapeAuthorizer } from '../../../pkg/runtime/scrape-authorizer.ts';
import { createSelfSignedCertificate } from '../../../pkg/runtime/self-signed-certificate.ts';

/** Allows only `Bearer good`. */
const authorizer: ScrapeAuthorizer = {
  async authorize(header) {
    if (header === undefined) return { status: 401, reason: 'Unauthorized' };
    return header === 'Bearer good' ? { status: 200, reason: 'ok' } : { status: 403, reason: 'Forbidden' };
  },
};

/** GET over TLS without verification (a self-signed certificate); returns the status and the certificate served. */
function get(port: number, token?: string): Promise<{ status: number; body: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/metrics',
        rejectUnauthorized: false,
        agent: false,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      },
      (res) => {
        const fingerprint = res.socket && 'getPeerCertificate' in res.socket ? (res.socket as TLSSocket).getPeerCertificate().fingerprint256 : '';
        let body = '';
        res
          .setEncoding('utf8')
          .on('data', (c: string) => (body += c))
          .on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('secure metrics: HTTPS, 401 without a token, 403 when not allowed, 200 when allowed; probes stay plain HTTP; the certificate rotates', async (t) => {
  const registry = new Registry();
  const first = createSelfSignedCertificate();
  const started = await startManagerEndpoints({
    metricsAddress: '127.0.0.1:0',
    probeAddress: '127.0.0.1:0',
    healthz: () => [],
    readyz: () => [],
    registry,
    secure: { tls: first, authorizer },
  });
  t.after(() => Promise.all(started.endpoints.map((e) => e.close())));
  const port = started.ports.metrics ?? 0;
  assert.equal((await get(port)).status, 401);
  assert.equal((await get(port, 'bad')).status, 403);
  const ok = await get(port, 'good');
  assert.equal(ok.status, 200);
  assert.equal(ok.fingerprint, new X509Certificate(first.cert).fingerprint256);
  assert.equal((await fetch(`http://127.0.0.1:${started.ports.probes}/healthz`)).status, 200, 'probes: plain HTTP, no token');
  await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`), 'no plain HTTP on the metrics port');

  const second = createSelfSignedCertificate();
  started.metrics?.setTls(second);
  assert.equal((await get(port, 'good')).fingerprint, new X509Certificate(second.cert).fingerprint256, 'new connections get the rotated certificate');
});

test('secure metrics refuse to share the probe listener', async () => {
  await assert.rejects(
    startManagerEndpoints({
      metricsAddress: '127.0.0.1:18443',
      probeAddress: '127.0.0.1:18443',
      healthz: () => [],
      readyz: () => [],
      registry: new Registry(),
      secure: { tls: createSelfSignedCertificate(), authorizer },
    }).then(async (s) => {
      await Promise.all(s.endpoints.map((e) => e.close()));
    }),
    /secure metrics need their own address/,
  );
});
