import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenSecretRefusal } from '../../../../controllers/teamssync/observe.ts';
import { DelegatedTokenLabel, type TeamsSync } from '../../../../controllers/teamssync/resources.ts';

const run = { metadata: { name: 'sync-1', namespace: 'acme', uid: 'run-uid' }, spec: { delegatedTokenSecretRef: { name: 'sync-1-token', key: 'token' } } } as unknown as TeamsSync;
const labelled = { [DelegatedTokenLabel]: 'true' };

test('tokenSecretRefusal: only a labelled token Secret owned by nothing but this run serves (and is deleted) as its token', () => {
  const cases: { name: string; metadata: NonNullable<Parameters<typeof tokenSecretRefusal>[0]['metadata']>; refused: RegExp | undefined }[] = [
    { name: 'made by the sign-in command, before the owner reference', metadata: { labels: labelled }, refused: undefined },
    { name: 'made by the sign-in command, owned by this run', metadata: { labels: labelled, ownerReferences: [{ kind: 'TeamsSync', uid: 'run-uid' }] }, refused: undefined },
    { name: 'an app credential Secret', metadata: {}, refused: /was not made by the sign-in command/ },
    { name: 'labelled false', metadata: { labels: { [DelegatedTokenLabel]: 'false' } }, refused: /was not made by the sign-in command/ },
    { name: 'another run\'s token', metadata: { labels: labelled, ownerReferences: [{ kind: 'TeamsSync', uid: 'other-uid' }] }, refused: /belongs to another object \(TeamsSync\)/ },
    { name: 'owned by something else too', metadata: { labels: labelled, ownerReferences: [{ kind: 'TeamsSync', uid: 'run-uid' }, { kind: 'Deployment', uid: 'x' }] }, refused: /Deployment/ },
  ];
  for (const c of cases) {
    const why = tokenSecretRefusal({ metadata: c.metadata }, run);
    if (c.refused === undefined) assert.equal(why, undefined, c.name);
    else assert.match(why ?? '', c.refused, c.name);
  }
});
