import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultRunName, ownedByRun, teamsSyncRun, tokenSecret, waitHint, type RunRequest } from '../../../../cmd/kubectl-teamssync/sync/objects.ts';
import { validateTeamsSync } from '../../../../pkg/apis/teamssync/v1alpha1/index.ts';

const req: RunRequest = { namespace: 'acme', tenant: 'contoso', runName: 'contoso-sync-1', dryRun: false, diagnostic: true, mappings: [] };

test('defaultRunName is a valid object name that leaves room for the -token suffix', () => {
  const name = defaultRunName('a'.repeat(80), new Date('2025-03-01T12:34:56Z'));
  assert.match(name, /^a+-sync-20250301-123456$/);
  assert.ok(`${name}-token`.length <= 63);
});

test('token Secret: Opaque, labelled, expiry annotation, token only in data', () => {
  const s = tokenSecret(req, 'eyJ.header.sig', new Date('2025-03-01T13:00:00Z')) as {
    type: string;
    metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
    data: Record<string, string>;
  };
  assert.equal(s.type, 'Opaque');
  assert.equal(s.metadata.name, 'contoso-sync-1-token');
  assert.equal(s.metadata.labels['teamssync.io/delegated-token'], 'true');
  assert.equal(s.metadata.annotations['teamssync.io/expires-at'], '2025-03-01T13:00:00.000Z');
  assert.equal(Buffer.from(s.data['token'] ?? '', 'base64').toString(), 'eyJ.header.sig');
  assert.doesNotMatch(JSON.stringify(s.metadata), /eyJ/);
});

const runCases: { name: string; req: RunRequest; withToken: boolean; scope: object; tokenRef: boolean }[] = [
  { name: 'AllWithToken', req, withToken: true, scope: { type: 'All' }, tokenRef: true },
  {
    name: 'ListedMappingsDeduplicated',
    req: { ...req, mappings: ['alex', 'sam', 'alex'] },
    withToken: true,
    scope: { type: 'Mappings', mappings: ['alex', 'sam'] },
    tokenRef: true,
  },
  { name: 'DryRunWithoutSignIn', req: { ...req, dryRun: true }, withToken: false, scope: { type: 'All' }, tokenRef: false },
];
for (const tc of runCases) {
  test(`TeamsSync run: ${tc.name} passes the API validation`, () => {
    const run = teamsSyncRun(tc.req, tc.withToken) as { spec: { scope: object; delegatedTokenSecretRef?: object } };
    assert.deepEqual(run.spec.scope, tc.scope);
    assert.equal(run.spec.delegatedTokenSecretRef !== undefined, tc.tokenRef);
    const validated = validateTeamsSync(run);
    assert.ok(validated.ok, JSON.stringify(validated));
  });
}

test('owner reference and wait hint name the run', () => {
  assert.deepEqual(ownedByRun({ metadata: { name: 'r', uid: 'u' } }), {
    metadata: { ownerReferences: [{ apiVersion: 'teamssync.io/v1alpha1', kind: 'TeamsSync', name: 'r', uid: 'u', blockOwnerDeletion: false }] },
  });
  assert.match(waitHint(req), /kubectl wait --namespace acme teamssync\/contoso-sync-1/);
});
