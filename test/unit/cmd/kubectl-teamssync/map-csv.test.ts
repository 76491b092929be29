import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UserLicenseMapping } from '../../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { planImport } from '../../../../cmd/kubectl-teamssync/map/import-plan.ts';
import { runImport, type ImportReport, type MappingApi } from '../../../../cmd/kubectl-teamssync/map/import-run.ts';
import { importExitCode, importSummary } from '../../../../cmd/kubectl-teamssync/commands/map.ts';
import {
  isCandidate,
  mappingName,
  mappingOfRow,
  voicemailVariant,
  type MappingCandidate,
  type RowRejection,
} from '../../../../cmd/kubectl-teamssync/map/mapping-rows.ts';
import { readPbxExport, type PbxRecord } from '../../../../cmd/kubectl-teamssync/map/pbx-export.ts';
import { normalizeNumber } from '../../../../cmd/kubectl-teamssync/map/phone-number.ts';

const options = { namespace: 'acme', tenant: 'contoso' };

test('normalizeNumber: formatting stripped, E.164 decided by the API pattern, national numbers only with a country', () => {
  const cases: { text: string; country?: string; want: string | RegExp }[] = [
    { text: '+14255550100', want: '+14255550100' },
    { text: '+1 (425) 555-0100', want: '+14255550100' },
    { text: 'tel:+44.20.7946.0000', want: '+442079460000' },
    { text: '0044 20 7946 0000', want: '+442079460000' },
    { text: '+49\u00a030\u00a0901820', want: '+4930901820' },
    { text: '020 7946 0000', country: 'GB', want: '+442079460000' },
    { text: '(425) 555-0100', country: 'us', want: '+14255550100' },
    { text: '020 7946 0000', want: /no country code/ },
    { text: '+0123456789', want: /not an E\.164 number/ },
    { text: '+1234', want: /not an E\.164 number/ },
    { text: 'call me', want: /no country code/ },
    { text: '12', country: 'GB', want: /not a valid GB number/ },
    { text: '  ', want: /empty/ },
  ];
  for (const c of cases) {
    const got = normalizeNumber(c.text, c.country);
    if (typeof c.want === 'string') assert.deepEqual(got, { ok: true, number: c.want }, c.text);
    else assert.ok(!got.ok && c.want.test(got.reason), `${c.text}: ${JSON.stringify(got)}`);
  }
});

test('readPbxExport: header variants, separators, quoting, BOM, blank lines; row numbers as in the file', () => {
  const cases: { name: string; text: string; want: readonly PbxRecord[] | RegExp; ignored?: readonly string[] }[] = [
    {
      name: 'documented header',
      text: 'name,email,extension,number,teams user,voicemail\nAlice,alice@pbx.example,101,+14255550100,alice@contoso.com,NoVoicemail\n',
      want: [
        {
          row: 2,
          cells: {
            name: 'Alice',
            email: 'alice@pbx.example',
            extension: '101',
            number: '+14255550100',
            teamsUser: 'alice@contoso.com',
            voicemail: 'NoVoicemail',
          },
        },
      ],
    },
    {
      name: 'spreadsheet spellings, BOM, CRLF, quotes, blank line, extra column',
      text: '\ufeffDisplay Name,E-Mail Address,Ext.,Phone Number,Teams UPN,Department\r\n"Smith, Bob",bob@pbx.example,102,"+1 425 555 0101",,Sales\r\n\r\nCarol,,103,+14255550102,,\r\n',
      want: [
        { row: 2, cells: { name: 'Smith, Bob', email: 'bob@pbx.example', extension: '102', number: '+1 425 555 0101' } },
        { row: 4, cells: { name: 'Carol', extension: '103', number: '+14255550102' } },
      ],
      ignored: ['Department'],
    },
    {
      name: 'semicolons (European locale), first and last name, a cell spanning lines',
      text: 'First Name;Last Name;DID;Teams User\nDana;"Lee\nJr";+14255550103;dana@contoso.com\nEve;Ng;+14255550104;\n',
      want: [
        { row: 2, cells: { firstName: 'Dana', lastName: 'Lee\nJr', number: '+14255550103', teamsUser: 'dana@contoso.com' } },
        { row: 4, cells: { firstName: 'Eve', lastName: 'Ng', number: '+14255550104' } },
      ],
    },
    { name: 'short row keeps its cells', text: 'Name,Number,Extension\nFred\n', want: [{ row: 2, cells: { name: 'Fred' } }] },
    { name: 'no number column', text: 'Name,Extension\nA,101\n', want: /no number column/ },
    { name: 'no name column', text: 'Email,Number\na@b.example,+14255550100\n', want: /no name \(or first name \/ last name\) column/ },
    { name: 'two number columns', text: 'Name,Number,DID\nA,+1,+2\n', want: /Columns "Number" and "DID" both give the number/ },
    { name: 'unclosed quote', text: 'Name,Number\n"A,+14255550100\n', want: /not readable as CSV/ },
    { name: 'empty file', text: '', want: /empty/ },
  ];
  for (const c of cases) {
    const got = readPbxExport(c.text);
    if (c.want instanceof RegExp) {
      assert.ok(!got.ok && c.want.test(got.reason), `${c.name}: ${JSON.stringify(got)}`);
      continue;
    }
    assert.ok(got.ok, `${c.name}: ${JSON.stringify(got)}`);
    assert.deepEqual(got.records, c.want, c.name);
    assert.deepEqual(got.ignoredColumns, c.ignored ?? [], c.name);
  }
});

test('voicemailVariant: API values in any case, common PBX spellings, empty = default, unknown = undefined', () => {
  const cases: [string | undefined, string | undefined][] = [
    [undefined, 'Voicemail'],
    ['', 'Voicemail'],
    ['voicemail', 'Voicemail'],
    ['NoVoicemail', 'NoVoicemail'],
    ['no-voicemail-or-forwarding', 'NoVoicemailOrForwarding'],
    ['Yes', 'Voicemail'],
    ['NO', 'NoVoicemail'],
    ['NoVM', 'NoVoicemail'],
    ['NoVMOrForward', 'NoVoicemailOrForwarding'],
    ['maybe', undefined],
  ];
  for (const [cell, want] of cases) assert.equal(voicemailVariant(cell), want, String(cell));
});

test('mappingName: stable, DNS-1123, extension first, then the number digits, long names hashed', () => {
  assert.equal(mappingName('contoso', '101', '+14255550100'), 'contoso-101');
  assert.equal(mappingName('contoso', undefined, '+14255550100'), 'contoso-14255550100');
  assert.equal(mappingName('Contoso', '1_01', '+1'), 'contoso-1-01');
  const long = mappingName('t'.repeat(260), '101', '+1');
  assert.equal(long.length <= 253, true);
  assert.equal(long, mappingName('t'.repeat(260), '101', '+1'));
  assert.match(long, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
});

test('mappingOfRow: a full row becomes the mapping the API expects; bad rows list every reason', () => {
  const ok = mappingOfRow(
    {
      row: 2,
      cells: { name: 'Alice', email: 'Alice@PBX.example', extension: '101', number: '+1 425 555 0100', teamsUser: 'alice@contoso.com', voicemail: 'no' },
    },
    options,
  );
  assert.ok(isCandidate(ok));
  assert.deepEqual(ok.mapping, {
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'UserLicenseMapping',
    metadata: { name: 'contoso-101', namespace: 'acme' },
    spec: {
      tenantRef: { name: 'contoso' },
      pbxUser: { displayName: 'Alice', email: 'Alice@PBX.example', extension: '101', phoneNumber: '+14255550100', voicemail: 'NoVoicemail' },
      teamsUser: { userPrincipalName: 'alice@contoso.com' },
      suspend: false,
    },
  });
  assert.deepEqual(ok.keys, { number: '+14255550100', email: 'alice@pbx.example', teamsUser: 'alice@contoso.com' });

  const byId = mappingOfRow(
    { row: 3, cells: { firstName: 'Bo', lastName: 'Li', number: '+14255550101', teamsUser: 'A1B2C3D4-0000-4000-8000-000000000001' } },
    options,
  );
  assert.ok(isCandidate(byId));
  assert.deepEqual(byId.mapping.spec.teamsUser, { objectId: 'a1b2c3d4-0000-4000-8000-000000000001' });
  assert.equal(byId.mapping.spec.pbxUser.displayName, 'Bo Li');

  const none = mappingOfRow({ row: 4, cells: { name: 'Cy', number: '+14255550102', teamsUser: 'None' } }, options);
  assert.ok(isCandidate(none));
  assert.equal(none.mapping.spec.teamsUser, undefined);

  const bad = mappingOfRow({ row: 5, cells: { number: '555-0100', voicemail: 'sometimes' } }, options);
  assert.ok(!isCandidate(bad));
  assert.equal(bad.row, 5);
  assert.equal(bad.reasons.length, 3);
  assert.match(bad.reasons.join('\n'), /name is empty[\s\S]*no country code[\s\S]*Unknown voicemail variant "sometimes"/);
});

const candidate = (row: number, ext: string, number: string, extra: { email?: string; teams?: string } = {}): MappingCandidate => {
  const cells = {
    name: `User ${ext}`,
    extension: ext,
    number,
    ...(extra.email ? { email: extra.email } : {}),
    ...(extra.teams ? { teamsUser: extra.teams } : {}),
  };
  const c = mappingOfRow({ row, cells }, options);
  assert.ok(isCandidate(c));
  return c;
};
const existingOf = (c: MappingCandidate, change: Partial<UserLicenseMapping['spec']['pbxUser']> = {}, name?: string): UserLicenseMapping => ({
  ...c.mapping,
  metadata: { ...c.mapping.metadata, name: name ?? c.mapping.metadata.name, uid: 'x', resourceVersion: '1' },
  spec: { ...c.mapping.spec, pbxUser: { ...c.mapping.spec.pbxUser, ...change } },
});

test('planImport: create, unchanged on re-run, duplicates in the file and against existing mappings', () => {
  const a = candidate(2, '101', '+14255550100', { email: 'a@pbx.example', teams: 'a@contoso.com' });
  const b = candidate(3, '102', '+14255550101', { email: 'b@pbx.example' });
  const dupNumber1 = candidate(4, '103', '+14255550199');
  const dupNumber2 = candidate(5, '104', '+14255550199');
  const dupEmail = candidate(6, '105', '+14255550105', { email: 'A@pbx.example' });
  const sameExt = candidate(7, '101', '+14255550107');
  const clashTeams = candidate(8, '108', '+14255550108', { teams: 'taken@contoso.com' });
  const changed = candidate(9, '109', '+14255550109');
  const rejected: RowRejection = { row: 10, reasons: ['The name is empty'] };
  const other = candidate(11, '900', '+14255550900', { teams: 'taken@contoso.com' });
  const existing = [
    existingOf(b),
    existingOf(changed, { displayName: 'Old name' }),
    { ...existingOf(other), metadata: { name: 'someone-else', namespace: 'acme' } },
    // Another tenant's mapping with the same number is no conflict (numbers are per tenant).
    { ...existingOf(a, {}, 'fabrikam-101'), spec: { ...a.mapping.spec, tenantRef: { name: 'fabrikam' } } },
  ];
  const plans = planImport([a, b, dupNumber1, dupNumber2, dupEmail, sameExt, clashTeams, changed], [rejected], existing);
  const summary = plans.map((p) => [p.row, p.action, p.action === 'rejected' ? p.reasons.join(' | ') : p.name]);
  assert.deepEqual(summary, [
    [2, 'rejected', 'Duplicate e-mail a@pbx.example: also on row 6 | Same object name contoso-101 (same extension) as row 7'],
    [3, 'unchanged', 'contoso-102'],
    [4, 'rejected', 'Duplicate number +14255550199: also on row 5'],
    [5, 'rejected', 'Duplicate number +14255550199: also on row 4'],
    [6, 'rejected', 'Duplicate e-mail a@pbx.example: also on row 2'],
    [7, 'rejected', 'Same object name contoso-101 (same extension) as row 2'],
    [8, 'rejected', 'Duplicate Teams user taken@contoso.com: UserLicenseMapping someone-else has it'],
    [9, 'rejected', 'UserLicenseMapping contoso-109 exists with different values: edit or delete it, then import again'],
    [10, 'rejected', 'The name is empty'],
  ]);
  const clean = planImport([candidate(2, '201', '+14255550201')], [], existing);
  assert.deepEqual(
    clean.map((p) => [p.action, p.name]),
    [['create', 'contoso-201']],
  );
});

/** An apiserver stand-in: stores created mappings; refuses extensions the schema would refuse. */
function fakeApi(): MappingApi & { stored: Map<string, UserLicenseMapping>; calls: string[] } {
  const stored = new Map<string, UserLicenseMapping>();
  const calls: string[] = [];
  return {
    stored,
    calls,
    list: () => Promise.resolve([...stored.values()]),
    create(mapping, dryRun) {
      calls.push(`${dryRun ? 'dry-run' : 'create'} ${mapping.metadata.name}`);
      const ext = mapping.spec.pbxUser.extension;
      if (ext !== undefined && !/^[0-9]{2,10}$/.test(ext)) return Promise.resolve({ ok: false, reason: 'spec.pbxUser.extension: Invalid value' });
      if (!dryRun) stored.set(mapping.metadata.name, mapping);
      return Promise.resolve({ ok: true });
    },
  };
}

const GOOD = 'Name,Extension,Number\nAlice,101,+14255550100\nBob,102,+14255550101\n';
const ONE_BAD = `${GOOD}Carl,1x,+14255550102\n`;

test('runImport: all or nothing, --skip-invalid, --dry-run, idempotent re-run', async () => {
  const cases: {
    name: string;
    text: string;
    skipInvalid?: boolean;
    dryRun?: boolean;
    want: Partial<Record<string, number>>;
    applied: boolean;
    stored: number;
  }[] = [
    { name: 'every row valid', text: GOOD, want: { created: 2 }, applied: true, stored: 2 },
    { name: 'a row refused by the server', text: ONE_BAD, want: { valid: 2, rejected: 1 }, applied: false, stored: 0 },
    { name: '--skip-invalid', text: ONE_BAD, skipInvalid: true, want: { created: 2, rejected: 1 }, applied: true, stored: 2 },
    { name: '--dry-run', text: GOOD, dryRun: true, want: { valid: 2 }, applied: false, stored: 0 },
    { name: 'unusable file', text: 'Name\nAlice\n', want: {}, applied: false, stored: 0 },
  ];
  for (const c of cases) {
    const api = fakeApi();
    const report = await runImport(c.text, api, { ...options, skipInvalid: c.skipInvalid ?? false, dryRun: c.dryRun ?? false });
    const nonZero = Object.fromEntries(Object.entries(report.counts).filter(([, n]) => n > 0));
    assert.deepEqual(nonZero, c.want, c.name);
    assert.equal(report.applied, c.applied, c.name);
    assert.equal(api.stored.size, c.stored, c.name);
  }
  const api = fakeApi();
  await runImport(GOOD, api, { ...options, skipInvalid: false, dryRun: false });
  const again = await runImport(GOOD, api, { ...options, skipInvalid: false, dryRun: false });
  assert.deepEqual(
    again.rows.map((r) => [r.row, r.result]),
    [
      [2, 'unchanged'],
      [3, 'unchanged'],
    ],
  );
  assert.deepEqual(api.calls, ['dry-run contoso-101', 'dry-run contoso-102', 'create contoso-101', 'create contoso-102']);
});

test('importSummary and importExitCode: counts, what was applied, and the code scripts branch on', () => {
  const counts = (c: Partial<ImportReport['counts']>): ImportReport['counts'] => ({ created: 0, unchanged: 0, valid: 0, rejected: 0, failed: 0, ...c });
  const cases: { report: ImportReport; dryRun?: boolean; summary: string; code: number }[] = [
    { report: { rows: [], applied: true, counts: counts({ created: 3, unchanged: 1 }) }, summary: '3 created, 1 unchanged', code: 0 },
    { report: { rows: [], applied: false, counts: counts({ valid: 2 }) }, dryRun: true, summary: '2 valid (dry run: nothing applied)', code: 0 },
    {
      report: { rows: [], applied: false, counts: counts({ valid: 2, rejected: 1 }) },
      summary: '2 valid, 1 rejected: nothing applied; fix the rejected rows or pass --skip-invalid',
      code: 5,
    },
    { report: { rows: [], applied: true, counts: counts({ created: 2, rejected: 1 }) }, summary: '2 created, 1 rejected', code: 7 },
    { report: { rows: [], applied: true, counts: counts({ created: 1, failed: 1 }) }, summary: '1 created, 1 failed', code: 1 },
    { report: { rows: [], applied: true, counts: counts({}) }, summary: 'no rows', code: 0 },
  ];
  for (const c of cases) {
    assert.equal(importSummary(c.report, c.dryRun ?? false), c.summary);
    assert.equal(importExitCode(c.report), c.code, c.summary);
  }
});
