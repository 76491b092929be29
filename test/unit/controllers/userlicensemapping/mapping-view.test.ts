/**
 * The tenant-wide decisions both controllers share: licence claims and gates from cached mappings,
 * conflicts, and recomputation only when a claim changes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { licenseClaim, TenantMappingView } from '../../../../controllers/userlicensemapping/mapping-view.ts';
import type { CachedMapping, CachedTenant } from '../../../../controllers/shared/resources.ts';
import type { Informer } from '../../../../pkg/runtime/informer.ts';
import { Store } from '../../../../pkg/runtime/store.ts';

const NS = 'acme';
const USER = '11111111-1111-4111-8111-111111111111';

function mapping(name: string, created: string, number: string, status: CachedMapping['status'] = {}, mapped = true): CachedMapping {
  const m: CachedMapping = {
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'UserLicenseMapping',
    metadata: { name, namespace: NS, creationTimestamp: created, generation: 1 },
    spec: {
      tenantRef: { name: 't' },
      suspend: false,
      pbxUser: { displayName: name, phoneNumber: number, voicemail: 'Voicemail' },
      teamsUser: { userPrincipalName: `${name}@x.com` },
    },
    status,
  };
  if (!mapped) delete m.spec.teamsUser;
  return m;
}

const tenant = (licenses: number, generation = 1): CachedTenant => ({
  apiVersion: 'teamssync.io/v1alpha1',
  kind: 'TeamsTenant',
  metadata: { name: 't', namespace: NS, generation },
  spec: { integrationLicenses: licenses } as CachedTenant['spec'],
});

/** A stand-in informer: a real Store plus captured handlers. */
function fakeInformer(): { informer: Informer<CachedMapping>; upsert: (m: CachedMapping) => void } {
  const store = new Store<CachedMapping>();
  const handlers: { onAdd?: (m: CachedMapping) => void; onUpdate?: (a: CachedMapping, b: CachedMapping) => void }[] = [];
  const informer = {
    store,
    addIndex: (n: string, f: (m: CachedMapping) => readonly string[]) => store.addIndex(n, f),
    addEventHandler: (h: (typeof handlers)[number]) => handlers.push(h),
  } as unknown as Informer<CachedMapping>;
  return {
    informer,
    upsert: (m: CachedMapping) => {
      const old = store.upsert(m);
      for (const h of handlers) {
        if (old === undefined) h.onAdd?.(m);
        else h.onUpdate?.(old, m);
      }
    },
  };
}

const claimCases = [
  {
    name: 'a mapped holder keeps its licence',
    m: mapping('a', '2026-01-01T00:00:00Z', '+14255550101', { licenseState: 'Holding' }),
    expected: [true, true, false],
  },
  {
    name: 'an unmapped mapping that still owns a number is releasing',
    m: mapping(
      'b',
      '2026-01-01T00:00:00Z',
      '+14255550102',
      { applied: { number: { telephoneNumber: '+14255550102', userId: USER, numberType: 'directRouting' }, policies: [] } },
      false,
    ),
    expected: [false, false, true],
  },
  { name: 'a new mapping wants one', m: mapping('c', '2026-01-01T00:00:00Z', '+14255550103'), expected: [true, false, false] },
];
for (const tc of claimCases) {
  test(`licence claim: ${tc.name}`, () => {
    const c = licenseClaim(tc.m);
    assert.deepEqual([c.wantsLicense, c.holdsLicense, c.releasePending], tc.expected);
  });
}

test('gates: oldest first within capacity, conflicts to the younger, and a freed licence reaches the waiting one', () => {
  const { informer, upsert } = fakeInformer();
  const view = new TenantMappingView(informer);
  upsert(mapping('old', '2026-01-01T00:00:00Z', '+14255550101'));
  upsert(mapping('young', '2026-01-02T00:00:00Z', '+14255550102'));
  upsert(mapping('dup', '2026-01-03T00:00:00Z', '+14255550101'));
  const get = (name: string) => informer.store.getByName(NS, name) as CachedMapping;
  assert.equal(view.gateFor(get('old'), tenant(1)).license.state, 'held');
  assert.equal(view.gateFor(get('young'), tenant(1)).license.state, 'waiting');
  assert.deepEqual(
    view.gateFor(get('dup'), tenant(1)).conflicts.map((c) => `${c.kind}:${c.winner.name}`),
    ['DuplicateNumber:old'],
  );
  // old holds, then is unmapped and released: young gets the licence.
  upsert({ ...get('old'), status: { licenseState: 'Holding' } });
  const unmapped = mapping('old', '2026-01-01T00:00:00Z', '+14255550101', { licenseState: 'None' }, false);
  upsert({ ...unmapped, metadata: { ...unmapped.metadata, generation: 2 } });
  assert.equal(view.gateFor(get('young'), tenant(1)).license.state, 'held');
  assert.equal(view.allocation(tenant(1)).used, 1);
});
