/**
 * Shared set-up for the simulator's Graph integration tests: one simulator per file, an app token from the real
 * msal-node, and a small fetch wrapper that returns status, headers and parsed JSON.
 */
import { after } from 'node:test';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { generateTenantSeed, type GenerateTenantOptions, type RunningSimulator, type SimulatorOptions, type TenantSeed } from '../../../pkg/m365sim/index.ts';
import { simAuthority, simKnownAuthority, withSimulator } from '../../harness/m365.ts';

export interface GraphAnswer {
  status: number;
  headers: Headers;
  json: Record<string, unknown> & { value?: Record<string, unknown>[]; error?: { code: string; message: string; innerError?: Record<string, string> } };
}

export interface GraphFixture {
  sim: RunningSimulator;
  tenant: TenantSeed;
  appId: string;
  token: string;
  /** A new app token from msal-node (bypassing its cache), e.g. after a consent change. */
  freshToken(): Promise<string>;
  graph(method: string, path: string, opts?: { body?: unknown; headers?: Record<string, string>; token?: string }): Promise<GraphAnswer>;
}

/** Starts a simulator for the whole test file (call at top level with await). */
export async function graphFixture(gen: GenerateTenantOptions, opts: SimulatorOptions = {}): Promise<GraphFixture> {
  const tenant = generateTenantSeed(gen);
  const sim = await withSimulator({ after }, { ...opts, seed: [tenant, ...(opts.seed ?? [])] });
  const app = tenant.apps?.[0];
  if (!app) throw new Error('generated tenant has no app');
  const cca = new ConfidentialClientApplication({
    auth: {
      clientId: app.appId,
      authority: simAuthority(sim, tenant.tenantId),
      knownAuthorities: [simKnownAuthority(sim)],
      clientSecret: app.secrets?.[0] ?? '',
    },
  });
  const result = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
  const token = result?.accessToken ?? '';
  const graph: GraphFixture['graph'] = async (method, path, o = {}) => {
    const url = path.startsWith('https://') ? path : `${sim.graphUrl}${path.replace(/^\//, '')}`;
    const headers: Record<string, string> = { Authorization: `Bearer ${o.token ?? token}`, ...o.headers };
    if (o.body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(url, { method, headers, ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }) });
    const text = await res.text();
    const json = text !== '' && (res.headers.get('content-type') ?? '').includes('json') ? (JSON.parse(text) as GraphAnswer['json']) : { text };
    return { status: res.status, headers: res.headers, json };
  };
  const freshToken = async (): Promise<string> =>
    (await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'], skipCache: true }))?.accessToken ?? '';
  return { sim, tenant, appId: app.appId, token, freshToken, graph };
}

/** Polls `probe` until it returns a value (bounded). */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 5000, stepMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
