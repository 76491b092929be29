/**
 * Teams presence → PBX presence, as data. The rows follow seed 001's "Presence Status Mapping from Microsoft Teams"
 * table; each row names the Teams status it implements (`teamsStatus`). The Graph availability/activity pairs behind
 * each Teams status come from Microsoft's "Manage presence state" permutation table
 * (https://learn.microsoft.com/graph/cloud-communications-manage-presence-state).
 *
 * Rows are tried in order, most specific first: rows keyed on `activity` (calls, meetings, presenting, focusing,
 * out of office) before rows keyed on `availability` alone, and out-of-office variants before their plain form.
 */
import type { PbxPresenceState, TeamsPresence } from './types.ts';

/**
 * One mapping row. An omitted matcher is a wildcard; matching of strings is case-insensitive because Microsoft's
 * concept page writes them in camelCase while the API answers in PascalCase.
 */
export interface PresenceMappingRow {
  /** The Teams status as the seed's table names it; shown in docs and test names. */
  readonly teamsStatus: string;
  readonly availability?: readonly string[];
  readonly activity?: readonly string[];
  /** `true`: only when `outOfOfficeSettings.isOutOfOffice` is true. Omitted: either. */
  readonly outOfOffice?: boolean;
  readonly state: PbxPresenceState;
}

const AVAILABLE = ['Available', 'AvailableIdle'];
const CALL_ACTIVITIES = ['InACall', 'InAConferenceCall'];

/**
 * The mapping, most specific row first.
 *
 * When to use: through {@link mapTeamsPresence}; exported so docs and tests can enumerate it.
 * Gotchas: "Available, out of office" is NOT its own PBX state: the seed maps it to `available` (the dual presence
 * Teams shows while automatic replies are on). Out of office on its own (activity `OutOfOffice` with any other
 * availability) maps to `offline`, as the seed's last row says.
 */
export const PRESENCE_MAPPING_TABLE: readonly PresenceMappingRow[] = [
  { teamsStatus: 'Available, out of office', availability: AVAILABLE, activity: ['OutOfOffice'], state: 'available' },
  { teamsStatus: 'Available, out of office', availability: AVAILABLE, outOfOffice: true, state: 'available' },
  { teamsStatus: 'On a call, out of office', activity: CALL_ACTIVITIES, outOfOffice: true, state: 'onCall' },
  { teamsStatus: 'On a call', activity: CALL_ACTIVITIES, state: 'onCall' },
  { teamsStatus: 'In a meeting', activity: ['InAMeeting'], state: 'onCall' },
  { teamsStatus: 'Presenting', activity: ['Presenting'], state: 'doNotDisturb' },
  { teamsStatus: 'Focusing', activity: ['Focusing'], state: 'doNotDisturb' },
  { teamsStatus: 'Do not disturb', availability: ['DoNotDisturb'], state: 'doNotDisturb' },
  { teamsStatus: 'Out of office', activity: ['OutOfOffice'], state: 'offline' },
  { teamsStatus: 'Available', availability: AVAILABLE, state: 'available' },
  { teamsStatus: 'Busy', availability: ['Busy', 'BusyIdle'], state: 'busy' },
  { teamsStatus: 'Be right back', availability: ['BeRightBack'], state: 'away' },
  { teamsStatus: 'Away', availability: ['Away'], state: 'away' },
  { teamsStatus: 'Offline', availability: ['Offline'], state: 'offline' },
  { teamsStatus: 'Status unknown', availability: ['PresenceUnknown'], state: 'offline' },
];

/**
 * What an unrecognised availability maps to: the seed shows unknown presence as offline, and a PBX routing calls
 * to a user it cannot see is the worse failure.
 */
export const FALLBACK_MAPPING_ROW: PresenceMappingRow = { teamsStatus: 'Status unknown (unrecognised value)', state: 'offline' };

/** The result of mapping one Graph presence. */
export interface MappedPresence {
  readonly state: PbxPresenceState;
  readonly row: PresenceMappingRow;
  readonly availability: string;
  readonly activity: string;
  readonly outOfOffice: boolean;
}

function matches(allowed: readonly string[] | undefined, value: string): boolean {
  if (allowed === undefined) return true;
  const wanted = value.toLowerCase();
  return allowed.some((candidate) => candidate.toLowerCase() === wanted);
}

/**
 * Finds the first row matching a Graph presence.
 *
 * When to use: diagnostics and tests; production code calls {@link mapTeamsPresence}.
 * Gotchas: never throws; missing or null fields are treated as empty strings and fall through to the fallback row.
 */
export function findMappingRow(presence: TeamsPresence, table: readonly PresenceMappingRow[] = PRESENCE_MAPPING_TABLE): PresenceMappingRow {
  const availability = presence.availability ?? '';
  const activity = presence.activity ?? '';
  const outOfOffice = presence.outOfOfficeSettings?.isOutOfOffice === true;
  const row = table.find(
    (candidate) =>
      matches(candidate.availability, availability) &&
      matches(candidate.activity, activity) &&
      (candidate.outOfOffice === undefined || candidate.outOfOffice === outOfOffice),
  );
  return row ?? FALLBACK_MAPPING_ROW;
}

/**
 * Results already computed, by availability, then activity, then out-of-office (0 / 1). A poll reads 10,000 users
 * every interval but they share a few dozen distinct combinations, so each user's mapping is a lookup that allocates
 * nothing instead of a walk over the table that lower-cases every candidate (about 0.5 MiB of garbage per 625 users,
 * most of what a call produced). Bounded because the values are open strings: past the bound, results are computed
 * and not kept.
 */
const memo = new Map<string, Map<string, [MappedPresence | undefined, MappedPresence | undefined]>>();
let memoSize = 0;
const MEMO_LIMIT = 512;

/**
 * Maps one Graph presence to the PBX state the stream publishes.
 *
 * When to use: once per user per poll cycle.
 * Gotchas: the raw strings are returned too so the stream can carry them for diagnostics. The result may be shared
 * between calls with the same values (it is read-only).
 */
export function mapTeamsPresence(presence: TeamsPresence): MappedPresence {
  const availability = presence.availability ?? '';
  const activity = presence.activity ?? '';
  const outOfOffice = presence.outOfOfficeSettings?.isOutOfOffice === true;
  const slot = outOfOffice ? 1 : 0;
  const known = memo.get(availability)?.get(activity)?.[slot];
  if (known !== undefined) return known;
  const row = findMappingRow(presence);
  const mapped: MappedPresence = { state: row.state, row, availability, activity, outOfOffice };
  if (memoSize < MEMO_LIMIT) {
    let byActivity = memo.get(availability);
    if (byActivity === undefined) memo.set(availability, (byActivity = new Map<string, [MappedPresence | undefined, MappedPresence | undefined]>()));
    let pair = byActivity.get(activity);
    if (pair === undefined) byActivity.set(activity, (pair = [undefined, undefined]));
    pair[slot] = mapped;
    memoSize++;
  }
  return mapped;
}
