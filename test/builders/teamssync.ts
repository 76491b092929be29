/**
 * Builders of minimal valid teamssync.io objects for tests: each call returns a fresh object,
 * and `patch` deep-merges overrides (a value of `undefined` removes a field).
 *
 *   userLicenseMapping('alex', { spec: { pbxUser: { extension: '1' } } })
 */
import { ApiVersion } from '../../pkg/apis/teamssync/v1alpha1/group.ts';

type Json = Record<string, unknown>;
/** A deep partial override; `undefined` deletes the key. */
export type Patch = { [key: string]: unknown };

/** A tenant id and client id that pass the GUID pattern. */
const sampleTenantId = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
export const sampleClientId = '9b2c4d7e-1f3a-4b5c-8d6e-7f8091a2b3c4';

/** Deep-merges `overrides` into a copy of `base`; `undefined` values delete keys. Arrays are replaced. */
export function patch<T extends Json>(base: T, overrides: Patch = {}): T {
  const removed = new Set(Object.keys(overrides).filter((key) => overrides[key] === undefined));
  const out: Json = Object.fromEntries(Object.entries(structuredClone(base)).filter(([key]) => !removed.has(key)));
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    else if (isPlainObject(value) && isPlainObject(out[key])) out[key] = patch(out[key], value);
    else out[key] = structuredClone(value);
  }
  return out as T;
}

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(kind: string, name: string, spec: Json, overrides: Patch): Json {
  return patch({ apiVersion: ApiVersion, kind, metadata: { name }, spec }, overrides);
}

/** A minimal Auto-mode TeamsTenant with a client-secret credential. */
export function teamsTenant(name = 'contoso', overrides: Patch = {}): Json {
  return object(
    'TeamsTenant',
    name,
    {
      tenantId: sampleTenantId,
      credentials: { clientId: sampleClientId, clientSecret: { name: 'contoso-graph' } },
      integrationLicenses: 5,
    },
    overrides,
  );
}

/** A minimal mapped UserLicenseMapping of tenant `contoso`. */
export function userLicenseMapping(name = 'alex', overrides: Patch = {}): Json {
  return object(
    'UserLicenseMapping',
    name,
    {
      tenantRef: { name: 'contoso' },
      pbxUser: { displayName: 'Alex Alta', extension: '7777', phoneNumber: '+14255550177' },
      teamsUser: { userPrincipalName: 'alex.alta@contoso.com' },
    },
    overrides,
  );
}

/** A minimal Teams-to-PBX PresenceSync of tenant `contoso`. */
export function presenceSync(name = 'presence', overrides: Patch = {}): Json {
  return object('PresenceSync', name, { tenantRef: { name: 'contoso' }, direction: 'TeamsToPbx' }, overrides);
}

/** A minimal ContactSync of tenant `contoso` (its directory). */
export function contactSync(name = 'contacts', overrides: Patch = {}): Json {
  return object('ContactSync', name, { tenantRef: { name: 'contoso' } }, overrides);
}

/** A minimal manual TeamsSync run of tenant `contoso`. */
export function teamsSync(name = 'run', overrides: Patch = {}): Json {
  return object('TeamsSync', name, { tenantRef: { name: 'contoso' } }, overrides);
}
