import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { CliError } from '../../../../cmd/kubectl-teamssync/exit-codes.ts';
import { age, humanDuration, parseDuration, parseOutputFormat, Printer, renderTable, type Column } from '../../../../cmd/kubectl-teamssync/output.ts';

test('renderTable pads columns like kubectl: upper-case headers, three spaces, no trailing blanks, one line per cell', () => {
  assert.equal(
    renderTable(
      ['Name', 'Phase', 'Note'],
      [
        ['run-1', 'Failed', ''],
        ['a-longer-run', 'Succeeded', 'two\nlines'],
      ],
    ),
    'NAME           PHASE       NOTE\nrun-1          Failed\na-longer-run   Succeeded   two lines\n',
  );
});

test('humanDuration matches kubectl (apimachinery HumanDuration)', () => {
  const cases: [number, string][] = [
    [-5_000, '<invalid>'],
    [-500, '0s'],
    [0, '0s'],
    [119_000, '119s'],
    [120_000, '2m'],
    [330_000, '5m30s'],
    [600_000, '10m'],
    [179 * 60_000, '179m'],
    [3 * 3_600_000, '3h'],
    [(7 * 60 + 59) * 60_000, '7h59m'],
    [47 * 3_600_000, '47h'],
    [(2 * 24 + 4) * 3_600_000, '2d4h'],
    [8 * 24 * 3_600_000, '8d'],
    [(2 * 365 + 12) * 24 * 3_600_000, '2y12d'],
    [9 * 365 * 24 * 3_600_000, '9y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms} ms`);
  assert.equal(age(undefined, new Date()), '<unknown>');
  assert.equal(age('2026-12-03T10:00:00Z', new Date('2026-12-03T10:05:30Z')), '5m30s');
});

test('parseDuration reads kubectl-style durations; anything else is a usage error (exit 2)', () => {
  assert.equal(parseDuration('90'), 90_000);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('250ms'), 250);
  for (const bad of ['', 'soon', '5 m', '1d'])
    assert.throws(
      () => parseDuration(bad),
      (e: unknown) => e instanceof CliError && e.code === 2,
      bad,
    );
});

test('parseOutputFormat: table, json, yaml (wide as table); others exit 2', () => {
  assert.equal(parseOutputFormat('json'), 'json');
  assert.equal(parseOutputFormat('wide'), 'table');
  assert.throws(
    () => parseOutputFormat('xml'),
    (e: unknown) => e instanceof CliError && e.code === 2,
  );
});

test('Printer.list prints a table, kubectl\'s List as json/yaml, and "No resources found" on stderr when empty', () => {
  const capture = () => {
    const out = { stdout: '', stderr: '' };
    const printer = new Printer({ stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) } });
    return { out, printer };
  };
  const items = [{ name: 'a', n: 1 }];
  const columns: Column<{ name: string; n: number }>[] = [
    { header: 'Name', value: (i) => i.name },
    { header: 'N', value: (i) => String(i.n) },
  ];
  const table = capture();
  table.printer.list(items, columns, 'table');
  assert.equal(table.out.stdout, 'NAME   N\na      1\n');
  const json = capture();
  json.printer.list(items, columns, 'json');
  assert.deepEqual(JSON.parse(json.out.stdout), { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } });
  const yaml = capture();
  yaml.printer.list(items, columns, 'yaml');
  assert.deepEqual((parse(yaml.out.stdout) as { items: unknown }).items, items);
  const empty = capture();
  empty.printer.list([], columns, 'table', { empty: 'No runs.' });
  assert.deepEqual(empty.out, { stdout: '', stderr: 'No runs.\n' });
  const emptyJson = capture();
  emptyJson.printer.list([], columns, 'json');
  assert.deepEqual((JSON.parse(emptyJson.out.stdout) as { items: unknown[] }).items, [], 'json of nothing is an empty List, not a message');
});
