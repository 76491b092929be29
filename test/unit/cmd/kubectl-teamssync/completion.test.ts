import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cobraAnswer, needAt, type CommandShape } from '../../../../cmd/kubectl-teamssync/completion/candidates.ts';

const commands: CommandShape[] = [
  { name: 'sync', description: 'Sync now', flags: ['--dry-run', '--name', '--mapping'], valueFlags: ['--name', '--mapping'] },
  { name: 'show', description: 'One run', flags: ['--output', '-o', '--failed'], valueFlags: ['--output', '-o'] },
  { name: 'diagnose', description: 'Why', flags: ['--output', '-o'], valueFlags: ['--output', '-o'] },
  { name: 'map', description: 'Bulk', flags: ['--from-csv', '--tenant'], valueFlags: ['--from-csv', '--tenant'] },
  { name: 'completion', description: 'Scripts', flags: [], valueFlags: [] },
];

test('needAt: what the cursor needs after the words typed so far', () => {
  const cases: [string[], unknown][] = [
    [[''], { kind: 'fixed', candidates: commands.map((c) => [c.name, c.description]) }],
    [['sync', ''], { kind: 'names', names: 'tenant' }],
    [['-n', 'acme', 'sync', ''], { kind: 'names', names: 'tenant' }],
    [['sync', 'contoso', ''], { kind: 'fixed', candidates: [] }],
    [['sync', 'contoso', '--mapping', ''], { kind: 'names', names: 'mapping' }],
    [['sync', '--name', 'x', ''], { kind: 'names', names: 'tenant' }],
    [['show', ''], { kind: 'names', names: 'run' }],
    [
      ['show', 'r', '-o', ''],
      {
        kind: 'fixed',
        candidates: [
          ['table', ''],
          ['json', ''],
          ['yaml', ''],
        ],
      },
    ],
    [['show', 'r', '-o', 'json', ''], { kind: 'fixed', candidates: [] }],
    [['diagnose', ''], { kind: 'names', names: 'mapping-or-tenant' }],
    [['map', '--from-csv', ''], { kind: 'files' }],
    [['map', '--tenant', ''], { kind: 'names', names: 'tenant' }],
    [
      ['completion', ''],
      {
        kind: 'fixed',
        candidates: [
          ['bash', ''],
          ['zsh', ''],
        ],
      },
    ],
    [['sync', '-n', ''], { kind: 'names', names: 'namespace' }],
    [
      ['show', '--f'],
      {
        kind: 'fixed',
        candidates: [
          ['--output', ''],
          ['--failed', ''],
          ['--namespace', ''],
          ['--context', ''],
          ['--kubeconfig', ''],
        ],
      },
    ],
  ];
  for (const [words, want] of cases) assert.deepEqual(needAt(commands, words).need, want, words.join(' '));
  assert.deepEqual(needAt(commands, ['--context', 'prod', '-n', 'acme', 'show', '']).globals, { context: 'prod', namespace: 'acme' });
});

test("cobraAnswer: candidates matching the word, tab-separated descriptions, then Cobra's directive", () => {
  assert.equal(
    cobraAnswer(
      [
        ['sync', 'Sync now'],
        ['show', ''],
        ['diagnose', 'Why'],
      ],
      's',
      false,
    ),
    'sync\tSync now\nshow\n:4\n',
  );
  assert.equal(cobraAnswer([], '', true), ':0\n');
});
