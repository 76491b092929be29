/**
 * The control API over plain HTTP JSON (loopback only), mirroring SimulatorControl for cmd/m365sim users and the
 * demo. `/control/users/...` is shorthand for `/control/tenants/{tenant}/users/...` with `?tenant=` or the only tenant.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppSeed, ContactSeed, TenantSeed, UserSeed } from '../state/seed.ts';
import type { SimulatorControl } from './api.ts';
import { parseJsonBody, readBody, sendJson } from '../server/http-util.ts';

type Body = Record<string, unknown>;
type Op = (c: SimulatorControl, p: Record<string, string>, body: Body, q: URLSearchParams) => unknown;

const s = (b: Body, k: string): string => {
  const v = b[k];
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
};
const T = '/control/tenants/{tenant}';

const OPS: [string, string, Op][] = [
  ['GET', '/control/health', () => ({ ok: true })],
  ['GET', '/control/tenants', (c) => c.tenantIds()],
  ['POST', '/control/tenants', (c, _p, b) => c.addTenant(b as unknown as TenantSeed)],
  ['DELETE', T, (c, p) => c.removeTenant(p['tenant'] ?? '')],
  ['POST', `${T}/apps`, (c, p, b) => c.addApp(p['tenant'] ?? '', b as unknown as AppSeed)],
  ['POST', `${T}/apps/{app}/disable`, (c, p) => c.setAppDisabled(p['tenant'] ?? '', p['app'] ?? '', true)],
  ['POST', `${T}/apps/{app}/enable`, (c, p) => c.setAppDisabled(p['tenant'] ?? '', p['app'] ?? '', false)],
  ['POST', `${T}/apps/{app}/consent`, (c, p, b) => c.grantConsent(p['tenant'] ?? '', p['app'] ?? '', b)],
  ['DELETE', `${T}/apps/{app}/consent`, (c, p, b) => c.revokeConsent(p['tenant'] ?? '', p['app'] ?? '', Object.keys(b).length === 0 ? undefined : b)],
  ['POST', `${T}/revoke-tokens`, (c, p, b) => c.revokeTokens(p['tenant'] ?? '', b)],
  ['POST', `${T}/expire-delta-tokens`, (c, p) => c.expireDeltaTokens(p['tenant'] ?? '')],
  ['POST', `${T}/users`, (c, p, b) => c.addUser(p['tenant'] ?? '', b as unknown as UserSeed)],
  ['GET', `${T}/users/{user}`, (c, p) => c.user(p['tenant'] ?? '', p['user'] ?? '') ?? null],
  ['PATCH', `${T}/users/{user}`, (c, p, b) => c.updateUser(p['tenant'] ?? '', p['user'] ?? '', b)],
  ['DELETE', `${T}/users/{user}`, (c, p, _b, q) => c.deleteUser(p['tenant'] ?? '', p['user'] ?? '', { permanent: q.get('permanent') === 'true' })],
  ['POST', `${T}/users/{user}/disable`, (c, p) => c.disableUser(p['tenant'] ?? '', p['user'] ?? '')],
  ['POST', `${T}/users/{user}/rename`, (c, p, b) => c.renameUser(p['tenant'] ?? '', p['user'] ?? '', b)],
  ['POST', `${T}/users/{user}/licenses`, (c, p, b) => c.assignLicense(p['tenant'] ?? '', p['user'] ?? '', s(b, 'sku'))],
  ['DELETE', `${T}/users/{user}/licenses/{sku}`, (c, p) => c.removeLicense(p['tenant'] ?? '', p['user'] ?? '', p['sku'] ?? '')],
  ['POST', `${T}/users/{user}/presence`, (c, p, b) => c.setPresence(p['tenant'] ?? '', p['user'] ?? '', s(b, 'availability'), s(b, 'activity'))],
  ['POST', `${T}/users/{user}/enterprise-voice`, (c, p, b) => c.setEnterpriseVoice(p['tenant'] ?? '', p['user'] ?? '', b['enabled'] === true)],
  ['GET', `${T}/users/{user}/teams`, (c, p) => c.teamsSettings(p['tenant'] ?? '', p['user'] ?? '')],
  ['GET', `${T}/users/{user}/contacts`, (c, p) => c.contactIds(p['tenant'] ?? '', p['user'] ?? '')],
  ['POST', `${T}/users/{user}/contacts`, (c, p, b) => ({ id: c.addContact(p['tenant'] ?? '', p['user'] ?? '', b as unknown as ContactSeed) })],
  [
    'PUT',
    `${T}/users/{user}/contacts/{contact}`,
    (c, p, b) => ({ updated: c.updateContact(p['tenant'] ?? '', p['user'] ?? '', p['contact'] ?? '', b as unknown as ContactSeed) }),
  ],
  ['DELETE', `${T}/users/{user}/contacts/{contact}`, (c, p) => ({ removed: c.removeContact(p['tenant'] ?? '', p['user'] ?? '', p['contact'] ?? '') })],
  ['POST', `${T}/users/{user}/expire-contact-delta-tokens`, (c, p) => c.expireContactDeltaTokens(p['tenant'] ?? '', p['user'] ?? '')],
  ['POST', `${T}/users/{user}/mailbox`, (c, p, b) => c.setMailboxEnabled(p['tenant'] ?? '', p['user'] ?? '', b['enabled'] !== false)],
  ['GET', `${T}/mailbox-concurrency-peak`, (c, p) => ({ peak: c.peakMailboxConcurrency(p['tenant'] ?? '') })],
  ['GET', `${T}/numbers`, (c, p) => c.numbers(p['tenant'] ?? '')],
  [
    'POST',
    `${T}/numbers/assign`,
    (c, p, b) => ({
      failure:
        c.assignNumber(p['tenant'] ?? '', {
          telephoneNumber: s(b, 'telephoneNumber'),
          numberType: s(b, 'numberType') || 'directRouting',
          assignmentTargetId: s(b, 'assignmentTargetId'),
        }) ?? null,
    }),
  ],
  ['POST', `${T}/numbers/unassign`, (c, p, b) => ({ failure: c.unassignNumber(p['tenant'] ?? '', s(b, 'telephoneNumber')) ?? null })],
  ['GET', `${T}/outbox`, (c, p) => c.outbox(p['tenant'] ?? '')],
  ['GET', '/control/outbox', (c) => c.outbox()],
  ['DELETE', '/control/outbox', (c) => c.clearOutbox()],
  ['GET', '/control/device-codes', (c) => c.pendingDeviceCodes()],
  ['POST', '/control/device-codes/{code}/approve', (c, p, b) => c.approveDeviceCode(p['code'] ?? '', s(b, 'user'))],
  ['POST', '/control/device-codes/{code}/decline', (c, p) => c.declineDeviceCode(p['code'] ?? '')],
  [
    'POST',
    '/control/workload-token',
    (c, _p, b) => ({
      token: c.issueWorkloadToken({ subject: s(b, 'subject'), ...(typeof b['audience'] === 'string' ? { audience: b['audience'] } : {}) }),
      issuer: c.workloadIssuer(),
    }),
  ],
  ['POST', '/control/issuer-cas', (c, _p, b) => c.trustIssuerCa(s(b, 'caPem'))],
  ['GET', '/control/faults', (c) => c.faults()],
  ['POST', '/control/faults', (c, _p, b) => ({ id: c.addFault(b) })],
  ['DELETE', '/control/faults', (c) => c.clearFaults()],
  ['DELETE', '/control/faults/{id}', (c, p) => ({ removed: c.removeFault(p['id'] ?? '') })],
  ['GET', '/control/limits', (c) => c.limits()],
  ['PATCH', '/control/limits', (c, _p, b) => c.setLimits(b)],
  ['PUT', '/control/replication-lag', (c, _p, b) => c.setReplicationLag(Number(b['ms'] ?? 0))],
  ['PUT', '/control/operation-delay', (c, _p, b) => c.setOperationDelay(Number(b['ms'] ?? 0))],
  ['GET', '/control/requests', (c) => c.requestLog()],
  ['GET', '/control/counts', (c) => c.requestCounts()],
  ['GET', '/control/violations', (c) => c.violations()],
  ['GET', '/control/response-bytes', (c) => ({ bytes: c.graphResponseBytes() })],
  ['POST', '/control/reset', (c) => c.resetCounters()],
];

function match(pattern: string, path: string): Record<string, string> | undefined {
  const a = pattern.split('/');
  const b = path.split('/');
  if (a.length !== b.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    const pa = a[i] ?? '';
    const pb = decodeURIComponent(b[i] ?? '');
    if (pa.startsWith('{')) params[pa.slice(1, -1)] = pb;
    else if (pa !== pb) return undefined;
  }
  return params;
}

/** Handles one control request; errors answer 400 with `{ error }`. */
export async function handleControl(control: SimulatorControl, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  let path = url.pathname.replace(/\/$/, '');
  if (path.startsWith('/control/users/')) {
    const tenant = url.searchParams.get('tenant') ?? (control.tenantIds().length === 1 ? control.tenantIds()[0] : undefined);
    path = `/control/tenants/${tenant ?? '_'}${path.slice('/control'.length)}`;
  }
  try {
    const raw = await readBody(req);
    const body = (parseJsonBody(raw) ?? {}) as Body;
    for (const [method, pattern, op] of OPS) {
      const params = method === req.method ? match(pattern, path) : undefined;
      if (!params) continue;
      const result = op(control, params, body, url.searchParams);
      sendJson(res, 200, result === undefined ? { ok: true } : result);
      return;
    }
    sendJson(res, 404, { error: `no control operation ${req.method ?? ''} ${path}` });
  } catch (e) {
    sendJson(res, 400, { error: e instanceof Error ? e.message : String(e) });
  }
}
