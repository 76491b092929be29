/**
 * Everything one simulated tenant holds, plus the write primitives that keep the users change log (delta) and
 * replication lag consistent. Handlers and the control API mutate state only through these methods.
 */
import { VersionedMap } from '../replication-lag.ts';
import { isGuid } from './ids.ts';
import type { AppRecord, NumberRecord, OperationRecord, PolicyRecord, TeamsSettingsRecord, UserChange, UserRecord } from './records.ts';
import { ContactStore } from './contact-store.ts';
import { PresenceStore } from './presence-store.ts';

/** A subscribed SKU as the tenant holds it. */
export interface TenantSku {
  skuId: string;
  prepaidUnits: number;
  capabilityStatus: string;
}

/** A captured sendMail call. */
export interface OutboxMessage {
  tenantId: string;
  fromUserId: string;
  fromUserPrincipalName: string;
  message: Record<string, unknown>;
  saveToSentItems: boolean;
  sentAt: string;
  appId: string;
}

/**
 * When to use: one per tenant, created by loadTenant (state/seed-loader.ts).
 * Gotchas: reads take `now` and see writes only after `lagMs`; validation of writes uses `latest*` accessors.
 */
export class TenantState {
  readonly tenantId: string;
  readonly displayName: string;
  readonly domains: string[];
  lagMs: number;
  readonly apps = new Map<string, AppRecord>();
  readonly users = new VersionedMap<UserRecord>();
  readonly teams = new VersionedMap<TeamsSettingsRecord>();
  readonly numbers = new VersionedMap<NumberRecord>();
  readonly operations = new Map<string, OperationRecord>();
  readonly policies: PolicyRecord[] = [];
  readonly skus: TenantSku[] = [];
  readonly presence = new PresenceStore();
  readonly contacts = new ContactStore();
  readonly outbox: OutboxMessage[] = [];
  readonly changes: UserChange[] = [];
  /** Bumped to invalidate every users delta token (control API: expireDeltaTokens). */
  deltaGeneration = 1;
  #seq = 0;
  readonly #upnIndex = new Map<string, string>();
  readonly #numberIndex = new Map<string, string>();
  readonly #liveUserIds = new Set<string>();

  constructor(tenantId: string, displayName: string, domains: string[], lagMs: number) {
    this.tenantId = tenantId;
    this.displayName = displayName;
    this.domains = domains;
    this.lagMs = lagMs;
  }

  /** When a write made now becomes visible (0 while seeding so seeds are visible at once). */
  visibleAt(now: number, seeding = false): number {
    return seeding ? 0 : now + this.lagMs;
  }

  /** Writes a user and records the change for delta. */
  writeUser(user: UserRecord, now: number, seeding = false): void {
    const at = this.visibleAt(now, seeding);
    this.users.set(user.id, user, at);
    this.#liveUserIds.add(user.id);
    this.#upnIndex.set(user.userPrincipalName.toLowerCase(), user.id);
    this.changes.push({ seq: ++this.#seq, userId: user.id, visibleAtMs: at });
  }

  /** Deletes a user: `changed` = soft delete (restorable), `deleted` = permanent (delta @removed reasons). */
  deleteUser(userId: string, now: number, reason: 'changed' | 'deleted'): void {
    const at = this.visibleAt(now);
    this.users.delete(userId, at);
    this.#liveUserIds.delete(userId);
    this.changes.push({ seq: ++this.#seq, userId, visibleAtMs: at, removed: reason });
  }

  /** The newest change sequence number (delta tokens remember it). */
  get changeSeq(): number {
    return this.#seq;
  }

  /** Resolves an id or UPN against what readers see at `now`. */
  findUser(idOrUpn: string, now: number): UserRecord | undefined {
    const id = this.#resolveUserId(idOrUpn);
    const user = id === undefined ? undefined : this.users.visible(id, now);
    if (!user || isGuid(idOrUpn)) return user;
    return user.userPrincipalName.toLowerCase() === idOrUpn.toLowerCase() ? user : undefined;
  }

  /** Resolves an id or UPN against the primary replica (write validation). */
  latestUser(idOrUpn: string): UserRecord | undefined {
    const id = this.#resolveUserId(idOrUpn);
    return id === undefined ? undefined : this.users.latest(id);
  }

  /** Users visible now (sorted by id), optionally only those after a paging cursor. */
  visibleUsers(now: number, afterId?: string): Generator<UserRecord> {
    return this.users.visibleValues(now, afterId);
  }

  /** Number of users that exist (drives the identity throttling tier). */
  userCount(): number {
    return this.#liveUserIds.size;
  }

  /** Writes (or replaces) a number assignment record. */
  writeNumber(record: NumberRecord, now: number, seeding = false): void {
    this.numbers.set(record.id, record, this.visibleAt(now, seeding));
    this.#numberIndex.set(record.telephoneNumber, record.id);
  }

  /** Removes a number from the list (Direct Routing numbers vanish when unassigned). */
  removeNumber(id: string, now: number): void {
    this.numbers.delete(id, this.visibleAt(now));
  }

  /** The newest record for a telephone number (write validation). */
  latestNumber(telephoneNumber: string): NumberRecord | undefined {
    const id = this.#numberIndex.get(telephoneNumber);
    return id === undefined ? undefined : this.numbers.latest(id);
  }

  /** Numbers visible now whose target is the user. */
  visibleNumbersOf(userId: string, now: number): NumberRecord[] {
    return [...this.numbers.visibleValues(now)].filter((n) => n.assignmentTargetId === userId);
  }

  /** Teams settings of a user as writers see them (created on demand). */
  latestTeams(userId: string, now: number): TeamsSettingsRecord {
    const existing = this.teams.latest(userId);
    if (existing) return existing;
    const stamp = new Date(now).toISOString();
    return { userId, enterpriseVoice: false, policies: {}, createdDateTime: stamp, modifiedDateTime: stamp };
  }

  /** Writes Teams settings (bumps modifiedDateTime). */
  writeTeams(record: TeamsSettingsRecord, now: number, seeding = false): void {
    const stamped = seeding ? record : { ...record, modifiedDateTime: new Date(now).toISOString() };
    this.teams.set(record.userId, stamped, this.visibleAt(now, seeding));
  }

  /** Finds a policy by type (case-insensitive) and name or id. */
  findPolicy(policyType: string, nameOrId: string): PolicyRecord | undefined {
    const type = policyType.toLowerCase();
    return this.policies.find((p) => p.policyType.toLowerCase() === type && (p.name === nameOrId || p.policyId === nameOrId));
  }

  #resolveUserId(idOrUpn: string): string | undefined {
    return isGuid(idOrUpn) ? idOrUpn.toLowerCase() : this.#upnIndex.get(idOrUpn.toLowerCase());
  }
}
