/**
 * `kubectl teamssync map --from-csv` through the real kubectl's plugin discovery against the real apiserver: a dry
 * run creates nothing, a clean export is created and a re-run leaves it unchanged, an export with bad rows is
 * rejected as a whole with each row's number and reason (the apiserver's own schema messages among them), and
 * `--skip-invalid` creates the valid rows only.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { UserLicenseMapping } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { KubeClient } from '../../pkg/runtime/kube-client.ts';
import type { KubeObject } from '../../pkg/runtime/resource.ts';
import { TeamsTenantResource, UserLicenseMappingResource } from '../../controllers/shared/resources.ts';
import { teamsTenant } from '../builders/teamssync.ts';
import { kubeConnection, testNamespace } from '../harness/kube.ts';
import { describeRun, kubectlTeamssync } from './support/kubectl-plugin.ts';

const GOOD = `Name,E-mail,Extension,Number,Teams User,Voicemail
Alice Able,alice@pbx.example,101,+1 (425) 555-0101,alice@contoso.example,Voicemail
"Baker, Bob",bob@pbx.example,102,+14255550102,,no
Carol Cole,carol@pbx.example,103,020 7946 0103,carol@contoso.example,NoVMOrForward
`;

const BAD = `Display Name;Email;Ext;DID;Teams UPN;VM
Dave Dunn;dave@pbx.example;201;+14255550201;dave@contoso.example;Voicemail
Ext Wrong;ew@pbx.example;12a;+14255550202;;
Mail Wrong;not-an-email;203;+14255550203;;
Twin One;t1@pbx.example;204;+14255550299;;
Twin Two;t2@pbx.example;205;+14255550299;;
Alice Again;aa@pbx.example;206;+14255550206;alice@contoso.example;
Odd Voicemail;ov@pbx.example;207;+14255550207;;maybe
No Country;nc@pbx.example;208;555-0100;;
Erin Ek;erin@pbx.example;209;+14255550209;;
`;

test('kubectl teamssync map --from-csv: dry run, create, idempotent re-run, rejected rows, --skip-invalid', async (t) => {
  const namespace = await testNamespace(t, 'map');
  const kube = new KubeClient(kubeConnection());
  await kube.create(TeamsTenantResource, namespace, teamsTenant('contoso'));
  const dir = mkdtempSync(path.join(tmpdir(), 'kubectl-map-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const good = path.join(dir, 'good.csv');
  const bad = path.join(dir, 'bad.csv');
  writeFileSync(good, GOOD);
  writeFileSync(bad, BAD);
  const mappings = async (): Promise<Map<string, UserLicenseMapping>> => {
    const list = await kube.list<UserLicenseMapping & KubeObject>(UserLicenseMappingResource, { namespace });
    return new Map(list.items.map((m) => [m.metadata.name, m]));
  };
  const run = async (args: string[], wantCode: number) => {
    const r = await kubectlTeamssync(['-n', namespace, ...args]);
    assert.equal(r.code, wantCode, describeRun(args, r));
    return r;
  };
  const common = ['map', '--tenant', 'contoso', '--country', 'GB'];

  const dry = await run([...common, '--from-csv', good, '--dry-run'], 0);
  assert.match(dry.stdout, /^ROW\s+NAME\s+RESULT\s+REASON$/m);
  assert.match(dry.stdout, /^2\s+contoso-101\s+valid$/m);
  assert.match(dry.stdout, /3 valid \(dry run: nothing applied\)/);
  assert.equal((await mappings()).size, 0, 'a dry run creates nothing');

  const created = await run([...common, '--from-csv', good], 0);
  assert.match(created.stdout, /3 created/);
  const stored = await mappings();
  assert.deepEqual([...stored.keys()].sort(), ['contoso-101', 'contoso-102', 'contoso-103']);
  assert.deepEqual(stored.get('contoso-101')?.spec, {
    tenantRef: { name: 'contoso' },
    pbxUser: { displayName: 'Alice Able', email: 'alice@pbx.example', extension: '101', phoneNumber: '+14255550101', voicemail: 'Voicemail' },
    teamsUser: { userPrincipalName: 'alice@contoso.example' },
    suspend: false,
  });
  assert.equal(stored.get('contoso-102')?.spec.teamsUser, undefined);
  assert.equal(stored.get('contoso-102')?.spec.pbxUser.voicemail, 'NoVoicemail');
  assert.equal(stored.get('contoso-103')?.spec.pbxUser.phoneNumber, '+442079460103');
  assert.equal(stored.get('contoso-103')?.spec.pbxUser.voicemail, 'NoVoicemailOrForwarding');

  const again = await run([...common, '--from-csv', good, '-o', 'json'], 0);
  const list = JSON.parse(again.stdout) as { kind: string; items: { row: number; name: string; result: string }[] };
  assert.equal(list.kind, 'List');
  assert.deepEqual(
    list.items.map((i) => [i.row, i.name, i.result]),
    [
      [2, 'contoso-101', 'unchanged'],
      [3, 'contoso-102', 'unchanged'],
      [4, 'contoso-103', 'unchanged'],
    ],
  );
  assert.match(again.stderr, /3 unchanged/);

  const refused = await run([...common, '--from-csv', bad], 5);
  const line = (row: number): string => refused.stdout.split('\n').find((l) => l.startsWith(`${row} `)) ?? '';
  assert.match(line(2), /contoso-201\s+valid/);
  assert.match(line(3), /rejected\s+.*spec\.pbxUser\.extension/);
  assert.match(line(4), /rejected\s+.*spec\.pbxUser\.email/);
  assert.match(line(5), /rejected\s+Duplicate number \+14255550299: also on row 6/);
  assert.match(line(6), /rejected\s+Duplicate number \+14255550299: also on row 5/);
  assert.match(line(7), /rejected\s+Duplicate Teams user alice@contoso\.example: UserLicenseMapping contoso-101 has it/);
  assert.match(line(8), /rejected\s+Unknown voicemail variant "maybe"/);
  assert.match(line(9), /rejected\s+"555-0100" is not a valid GB number/);
  assert.match(line(10), /contoso-209\s+valid/);
  assert.match(refused.stdout, /2 valid, 7 rejected: nothing applied; fix the rejected rows or pass --skip-invalid/);
  assert.equal((await mappings()).size, 3, 'nothing is applied while a row is rejected');

  const skipped = await run([...common, '--from-csv', bad, '--skip-invalid'], 7);
  assert.match(skipped.stdout, /2 created, 7 rejected/);
  assert.deepEqual([...(await mappings()).keys()].sort(), ['contoso-101', 'contoso-102', 'contoso-103', 'contoso-201', 'contoso-209']);
});

test('kubectl teamssync map: unknown tenant, unusable header, missing file', async (t) => {
  const namespace = await testNamespace(t, 'map');
  const kube = new KubeClient(kubeConnection());
  await kube.create(TeamsTenantResource, namespace, teamsTenant('contoso'));
  const dir = mkdtempSync(path.join(tmpdir(), 'kubectl-map-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'export.csv');
  writeFileSync(file, 'Name,Extension\nAlice,101\n');
  const cases: { args: string[]; code: number; stderr: RegExp }[] = [
    { args: ['map', '--from-csv', file, '--tenant', 'nosuch'], code: 4, stderr: /TeamsTenant "nosuch" not found in namespace/ },
    { args: ['map', '--from-csv', file, '--tenant', 'contoso'], code: 5, stderr: /The header has no number column/ },
    { args: ['map', '--from-csv', path.join(dir, 'missing.csv'), '--tenant', 'contoso'], code: 1, stderr: /cannot read .*missing\.csv/ },
    { args: ['map', '--tenant', 'contoso'], code: 2, stderr: /required option '--from-csv <file>' not specified/ },
  ];
  for (const c of cases) {
    const r = await kubectlTeamssync(['-n', namespace, ...c.args]);
    assert.equal(r.code, c.code, describeRun(c.args, r));
    assert.match(r.stderr, c.stderr, describeRun(c.args, r));
  }
  const list = await kube.list(UserLicenseMappingResource, { namespace });
  assert.equal(list.items.length, 0);
});
