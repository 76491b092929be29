import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FALLBACK_MAPPING_ROW, PRESENCE_MAPPING_TABLE, findMappingRow, mapTeamsPresence } from '../../../pkg/presence/mapping-table.ts';
import type { PbxPresenceState, TeamsPresence } from '../../../pkg/presence/types.ts';

interface Case {
  readonly name: string;
  /** The seed 001 row ("Microsoft Teams Status") the case stands for. */
  readonly seedRow: string;
  readonly presence: Omit<TeamsPresence, 'id'>;
  readonly want: PbxPresenceState;
  readonly reason: string;
}

const ooo = { isOutOfOffice: true };

// One case per row of seed 001's "Presence Status Mapping from Microsoft Teams" table, plus the Graph variants
// that reach the same row. `want` is the seed's "8x8 Presence" column.
const cases: readonly Case[] = [
  {
    name: 'Available',
    seedRow: 'Available',
    presence: { availability: 'Available', activity: 'Available' },
    want: 'available',
    reason: 'seed: Available → Available',
  },
  {
    name: 'AvailableIdle',
    seedRow: 'Available',
    presence: { availability: 'AvailableIdle', activity: 'Available' },
    want: 'available',
    reason: 'idle is still available',
  },
  {
    name: 'AvailableOutOfOfficeActivity',
    seedRow: 'Available, Out of Office',
    presence: { availability: 'Available', activity: 'OutOfOffice' },
    want: 'available',
    reason: 'seed: dual presence maps to Available, not its own state',
  },
  {
    name: 'AvailableOutOfOfficeFlag',
    seedRow: 'Available, Out of Office',
    presence: { availability: 'Available', activity: 'Available', outOfOfficeSettings: ooo },
    want: 'available',
    reason: 'automatic replies on while available',
  },
  { name: 'Busy', seedRow: 'Busy', presence: { availability: 'Busy', activity: 'Busy' }, want: 'busy', reason: 'seed: Busy → Busy' },
  { name: 'BusyIdle', seedRow: 'Busy', presence: { availability: 'BusyIdle', activity: 'Busy' }, want: 'busy', reason: 'idle busy is busy' },
  { name: 'OnACall', seedRow: 'On a call', presence: { availability: 'Busy', activity: 'InACall' }, want: 'onCall', reason: 'seed: On a call → onCall' },
  {
    name: 'InAConferenceCall',
    seedRow: 'On a call',
    presence: { availability: 'Busy', activity: 'InAConferenceCall' },
    want: 'onCall',
    reason: 'a conference call is a call',
  },
  {
    name: 'InAMeeting',
    seedRow: 'In a meeting',
    presence: { availability: 'Busy', activity: 'InAMeeting' },
    want: 'onCall',
    reason: 'seed: In a meeting → onCall',
  },
  {
    name: 'OnACallOutOfOffice',
    seedRow: 'On a call, out of office',
    presence: { availability: 'Busy', activity: 'InACall', outOfOfficeSettings: ooo },
    want: 'onCall',
    reason: 'seed: On a call, out of office → onCall',
  },
  {
    name: 'DoNotDisturb',
    seedRow: 'Do not disturb',
    presence: { availability: 'DoNotDisturb', activity: 'DoNotDisturb' },
    want: 'doNotDisturb',
    reason: 'seed: Do not disturb → doNotDisturb',
  },
  {
    name: 'UrgentInterruptionsOnly',
    seedRow: 'Do not disturb',
    presence: { availability: 'DoNotDisturb', activity: 'UrgentInterruptionsOnly' },
    want: 'doNotDisturb',
    reason: 'a DND variant',
  },
  {
    name: 'Presenting',
    seedRow: 'Presenting',
    presence: { availability: 'DoNotDisturb', activity: 'Presenting' },
    want: 'doNotDisturb',
    reason: 'seed: Presenting → doNotDisturb',
  },
  {
    name: 'Focusing',
    seedRow: 'Focusing',
    presence: { availability: 'DoNotDisturb', activity: 'Focusing' },
    want: 'doNotDisturb',
    reason: 'seed: Focusing → doNotDisturb',
  },
  { name: 'Away', seedRow: 'Away', presence: { availability: 'Away', activity: 'Away' }, want: 'away', reason: 'seed: Away → away' },
  {
    name: 'BeRightBack',
    seedRow: 'Be right back',
    presence: { availability: 'BeRightBack', activity: 'BeRightBack' },
    want: 'away',
    reason: 'seed: Be right back → away',
  },
  { name: 'Offline', seedRow: 'Offline', presence: { availability: 'Offline', activity: 'Offline' }, want: 'offline', reason: 'seed: Offline → offline' },
  { name: 'AppearOffline', seedRow: 'Offline', presence: { availability: 'Offline', activity: 'OffWork' }, want: 'offline', reason: 'appear offline' },
  {
    name: 'StatusUnknown',
    seedRow: 'Status unknown',
    presence: { availability: 'PresenceUnknown', activity: 'PresenceUnknown' },
    want: 'offline',
    reason: 'seed: Status unknown → offline',
  },
  {
    name: 'OutOfOfficeOnly',
    seedRow: 'Out of Office',
    presence: { availability: 'Offline', activity: 'OutOfOffice', outOfOfficeSettings: ooo },
    want: 'offline',
    reason: 'seed: Out of Office → offline',
  },
  {
    name: 'OutOfOfficeAway',
    seedRow: 'Out of Office',
    presence: { availability: 'Away', activity: 'OutOfOffice' },
    want: 'offline',
    reason: 'OOO is the shown status whatever the availability, except Available',
  },
  {
    name: 'CamelCaseValues',
    seedRow: 'On a call',
    presence: { availability: 'busy', activity: 'inACall' },
    want: 'onCall',
    reason: 'the concept page writes values in camelCase',
  },
  {
    name: 'UnknownAvailability',
    seedRow: '(none)',
    presence: { availability: 'SomethingNew', activity: 'SomethingNew' },
    want: 'offline',
    reason: 'open strings: an unknown value must not route calls to the user',
  },
  {
    name: 'NullFields',
    seedRow: '(none)',
    presence: { availability: null, activity: null, outOfOfficeSettings: null },
    want: 'offline',
    reason: 'Graph may send nulls; never throw',
  },
];

for (const tc of cases) {
  test(`mapTeamsPresence: ${tc.name} (${tc.seedRow})`, () => {
    const got = mapTeamsPresence({ id: 'u1', ...tc.presence });
    assert.equal(got.state, tc.want, tc.reason);
  });
}

test('mapping table: every row is exercised by at least one case', () => {
  const hit = new Set(cases.map((tc) => findMappingRow({ id: 'u1', ...tc.presence })));
  const missed = PRESENCE_MAPPING_TABLE.filter((row) => !hit.has(row)).map((row) => row.teamsStatus);
  assert.deepEqual(missed, [], 'a row no case reaches is dead data or an untested mapping');
  assert.ok(hit.has(FALLBACK_MAPPING_ROW), 'the fallback row is exercised');
});

test('mapping table: no row is shadowed by an earlier, more general one', () => {
  for (const [index, row] of PRESENCE_MAPPING_TABLE.entries()) {
    const example: TeamsPresence = {
      id: 'u1',
      availability: row.availability?.[0] ?? 'Busy',
      activity: row.activity?.[0] ?? row.availability?.[0] ?? 'Busy',
      outOfOfficeSettings: { isOutOfOffice: row.outOfOffice === true },
    };
    assert.equal(findMappingRow(example), row, `row ${index} (${row.teamsStatus}) is reachable with its own values`);
  }
});

test('mapTeamsPresence: carries the raw values for diagnostics', () => {
  const got = mapTeamsPresence({ id: 'u1', availability: 'Busy', activity: 'InACall', outOfOfficeSettings: ooo });
  assert.deepEqual(
    { availability: got.availability, activity: got.activity, outOfOffice: got.outOfOffice },
    { availability: 'Busy', activity: 'InACall', outOfOffice: true },
  );
});
