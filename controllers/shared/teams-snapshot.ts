/**
 * A tenant's Teams voice state read in bulk (every teamsUserConfiguration and numberAssignment,
 * paged) by the TeamsTenant controller's drift check. The mapping controller answers its reads
 * from here when the bulk read is newer than its own last write and nothing has written to that
 * user or number since; otherwise it reads live. A refresh reports what changed, so only the
 * affected mappings are re-examined.
 */
import { collect, type GraphTenantClient, type NumberAssignment, type TeamsUserConfiguration } from '../../pkg/graph/index.ts';
import { sharedStringInterner } from '../../pkg/runtime/string-interner.ts';
import { canonicalNumber } from './mapping-types.ts';
import { lowerCaseKey, SharedValues } from './shared-values.ts';

/** A bulk answer: `hit: false` = not usable, read live. */
export type SnapshotAnswer<T> = { readonly hit: false } | { readonly hit: true; readonly value: T | undefined };

/** What a refresh changed (lower-case user ids, canonical numbers). */
export interface TeamsRefresh {
  readonly changedUsers: ReadonlySet<string>;
  readonly changedNumbers: ReadonlySet<string>;
  readonly first: boolean;
}

const MISS = { hit: false } as const;

/** The Teams-side state of one tenant. */
export class TeamsSnapshot {
  #configs = new Map<string, TeamsUserConfiguration>();
  #numbers = new Map<string, NumberAssignment>();
  /** Start time of the last complete bulk read (epoch ms). */
  #readAt: number | undefined;
  /** Bulk reads started so far. */
  #readsStarted = 0;
  /** `#readsStarted` when the last complete bulk read started: a write touched before it if its count is lower. */
  #readCount = 0;
  /**
   * How many bulk reads had started when a write last touched a user (lower-case id) or a number (canonical), keyed by
   * the id or number itself (a prefixed key was a new string per entry: two per mapping written, kept until the next
   * bulk read). A count, not a time: a small integer sits in the entry, where a time since 1970 took a heap number of
   * its own (16 bytes for each of a fleet's 200,000 entries after its initial sync).
   */
  readonly #touchedUsers = new Map<string, number>();
  readonly #touchedNumbers = new Map<string, number>();
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  /** Bulk data older than `maxAgeMs` is not used (the drift check should have refreshed it). */
  constructor(options: { maxAgeMs: number; now?: () => number }) {
    this.#maxAgeMs = options.maxAgeMs;
    this.#now = options.now ?? Date.now;
  }

  /** Epoch ms when the last bulk read started, if any. */
  get readAt(): number | undefined {
    return this.#readAt;
  }

  /** How old the bulk read may get before it is not used (the TeamsTenant controller renews it in time while mappings need it). */
  get maxAgeMs(): number {
    return this.#maxAgeMs;
  }

  /** Configurations in the last bulk read (sizes what a re-read costs). */
  get configurationCount(): number {
    return this.#configs.size;
  }

  /** Assigned numbers in the last bulk read. */
  get numberCount(): number {
    return this.#numbers.size;
  }

  /** The user's configuration from the bulk read, unless stale, older than `notBefore`, or written since. */
  configuration(userId: string, notBefore: number): SnapshotAnswer<TeamsUserConfiguration> {
    const id = userId.toLowerCase();
    if (!this.#usable(this.#touchedUsers.get(id), notBefore)) return MISS;
    return { hit: true, value: this.#configs.get(id) };
  }

  /** The number's assignment (undefined = unassigned: Direct Routing numbers exist only while assigned). */
  numberAssignment(number: string, notBefore: number): SnapshotAnswer<NumberAssignment> {
    const n = canonicalNumber(number);
    if (!this.#usable(this.#touchedNumbers.get(n), notBefore)) return MISS;
    return { hit: true, value: this.#numbers.get(n) };
  }

  /** A write touched these: do not answer for them from the current bulk read. */
  touch(userIds: readonly string[], numbers: readonly string[]): void {
    const at = this.#readsStarted;
    for (const id of userIds) this.#touchedUsers.set(lowerCaseKey(id), at);
    for (const n of numbers) this.#touchedNumbers.set(canonicalNumber(n), at);
  }

  /** Reads every configuration and number assignment. Throws pkg/graph errors (the old data stays). */
  async refresh(client: GraphTenantClient, signal?: AbortSignal): Promise<TeamsRefresh> {
    const startedAt = this.#now();
    const count = ++this.#readsStarted;
    const options = signal === undefined ? {} : { signal };
    const [configs, numbers] = await Promise.all([
      collect(client.userConfigurations.listUserConfigurations(undefined, options)),
      collect(client.numbers.listNumberAssignments(undefined, options)),
    ]);
    // Each refresh reads everything: a new table of shared lists, so lists nobody holds any more are let go.
    const lists = new SharedValues();
    const nextConfigs = new Map<string, TeamsUserConfiguration>();
    for (const c of configs) {
      const cached = cachedConfiguration(c, lists);
      nextConfigs.set(lowerCaseKey(cached.id), cached);
    }
    const nextNumbers = new Map(
      numbers
        .filter((n) => n.assignmentTargetId || n.numberType !== 'directRouting')
        .map((n) => [canonicalNumber(n.telephoneNumber), cachedNumberAssignment(n)]),
    );
    const first = this.#readAt === undefined;
    const changedUsers = diffKeys(this.#configs, nextConfigs);
    const changedNumbers = diffKeys(this.#numbers, nextNumbers);
    this.#configs = nextConfigs;
    this.#numbers = nextNumbers;
    this.#readAt = startedAt;
    this.#readCount = count;
    for (const touched of [this.#touchedUsers, this.#touchedNumbers]) for (const [key, at] of touched) if (at < count) touched.delete(key);
    return { changedUsers, changedNumbers, first };
  }

  #usable(touched: number | undefined, notBefore: number): boolean {
    const readAt = this.#readAt;
    if (readAt === undefined || readAt < notBefore || this.#now() - readAt > this.#maxAgeMs) return false;
    return touched === undefined || touched < this.#readCount;
  }
}

/**
 * What the snapshot keeps of a configuration: what its readers use (the mapping controller's observe step: the UPN,
 * enterprise voice, the numbers, each effective policy's type, name and assignment type), its strings shared with the
 * other users', its policy list (and an empty number list) shared with the other users of the tenant holding the same
 * (`lists`, frozen: most users of a tenant have the same few). The properties nobody reads are emptied ('') or left
 * out, so they neither cost memory (a fleet's snapshots hold a configuration for every user of every tenant) nor count
 * as drift when they change: `modifiedDateTime` changes without a voice change.
 */
function cachedConfiguration(c: TeamsUserConfiguration, lists: SharedValues): TeamsUserConfiguration {
  const numbers = c.telephoneNumbers?.map((n) => ({ telephoneNumber: n.telephoneNumber, assignmentCategory: '' }));
  return sharedStringInterner.internDeep({
    id: c.id,
    tenantId: '',
    userPrincipalName: c.userPrincipalName,
    accountType: '',
    createdDateTime: '',
    modifiedDateTime: '',
    ...(c.isEnterpriseVoiceEnabled === undefined ? {} : { isEnterpriseVoiceEnabled: c.isEnterpriseVoiceEnabled }),
    // A user's numbers are its own: only the empty list is shared.
    ...(numbers === undefined ? {} : { telephoneNumbers: numbers.length === 0 ? lists.share(numbers) : numbers }),
    ...(c.effectivePolicyAssignments === undefined
      ? {}
      : {
          effectivePolicyAssignments: lists.share(
            c.effectivePolicyAssignments.map((e) => ({
              policyType: e.policyType,
              policyAssignment: { assignmentType: e.policyAssignment.assignmentType, displayName: e.policyAssignment.displayName, policyId: '' },
            })),
          ),
        }),
  });
}

/**
 * What the snapshot keeps of a number assignment: what the mapping controller's observe step reads (the number, its
 * type, activation, assignment status and holder; the id the type requires), in one literal, its strings shared. Why:
 * Graph's numberAssignment has eighteen properties and three lists, ~350 bytes a number as parsed, and a fleet's
 * snapshots hold every assigned number of every tenant (100,000 once its mappings are configured). As with
 * configurations, a change to a property nobody reads does not count as drift.
 */
function cachedNumberAssignment(n: NumberAssignment): NumberAssignment {
  return sharedStringInterner.internDeep({
    id: n.id,
    telephoneNumber: n.telephoneNumber,
    numberType: n.numberType,
    activationState: n.activationState,
    assignmentStatus: n.assignmentStatus ?? null,
    assignmentTargetId: n.assignmentTargetId ?? null,
  });
}

function diffKeys<T>(before: ReadonlyMap<string, T>, after: ReadonlyMap<string, T>): Set<string> {
  const changed = new Set<string>();
  for (const [key, value] of after) if (JSON.stringify(before.get(key)) !== JSON.stringify(value)) changed.add(key);
  for (const key of before.keys()) if (!after.has(key)) changed.add(key);
  return changed;
}
