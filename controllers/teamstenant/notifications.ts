/**
 * The TeamsTenant controller's e-mail notices, its only writes to Microsoft 365: which a tenant
 * owes (planNotifications, pure), the ledger of what was sent (status.notifications), and sending
 * them through the port (sendNotices; mail.ts words them).
 *
 * Notices: a reminder to the Global Admin while changes are queued (Manual) or the last sync
 * failed, at most once per `reminderIntervalMs` (default 24 h; the first one waits `graceMs`, or the
 * interval if shorter, after the changes were queued, so a burst of edits yields one mail); one-off notices on activation,
 * licence count change, Global Admin reassignment (to the old and the new one) and removal of the
 * integration (a final sync must remove the users' configuration).
 *
 * At most once: a notice is recorded in the ledger only after Graph accepted it (202), so a failed
 * send is planned again next time and a sent one is never repeated. sendMail is not retried after
 * an ambiguous failure (the connection dropped after sending, a timeout, a 5xx), and such a notice
 * is recorded as sent, since Graph offers no way to look up a mail we sent without reading the
 * sender's mailbox; `uncertain` names it so the admin is told. For the same reason each notice is
 * recorded in status (`notifications.sending`) before it is sent: a pass that finds that record
 * (the process stopped, lost its lease, or its status write conflicted after sending) counts the
 * notice as sent rather than sending it again.
 */
import { parseDuration } from '../../pkg/apis/teamssync/v1alpha1/duration.ts';
import type { TeamsTenantStatus } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { SyncMode } from '../../pkg/apis/teamssync/v1alpha1/teams-tenant.ts';
import type { SyncResult } from '../../pkg/apis/teamssync/v1alpha1/teams-tenant-status.ts';
import { isOutcomeUnknown } from '../../pkg/graph/index.ts';
import type { CachedTenant } from '../shared/resources.ts';
import { composeMail, tenantLabel, type Notice, type NoticeKind } from './mail.ts';
import type { TenantGraphPort } from './ports.ts';
import type { TenantReportInput } from './report.ts';

/** The tenant facts the planner reads. */
export interface NotificationState {
  /** notifications.enabled and a senderMailbox is configured. */
  readonly enabled: boolean;
  readonly mode: SyncMode;
  readonly globalAdmin?: string | undefined;
  readonly additionalRecipients: readonly string[];
  /** spec.integrationLicenses. */
  readonly licenses: number;
  readonly pendingChanges: number;
  /** RFC 3339 since when changes are pending. */
  readonly pendingSince?: string | undefined;
  readonly lastSync?: { readonly runName: string; readonly result: SyncResult } | undefined;
  readonly deleting: boolean;
  readonly reminderIntervalMs: number;
  /** Default 15 minutes. */
  readonly graceMs?: number;
}

/** What was sent (status.notifications; `removalNoticeTime` still needs a field in the API). */
export interface NotificationLedger {
  readonly lastReminderTime?: string | undefined;
  readonly lastNotifiedLicenses?: number | undefined;
  readonly lastNotifiedGlobalAdmin?: string | undefined;
  readonly removalNoticeTime?: string | undefined;
  /** A notice recorded just before sending and not yet seen sent (see `sendNotices`). */
  readonly sending?: { readonly kind: NoticeKind; readonly startedAt: string } | undefined;
}

/** Default wait between queuing a change and the first reminder (never longer than the interval itself). */
const DefaultReminderGraceMs = 15 * 60_000;

/** The API's minimum spec.notifications.reminderInterval (30s, for tests and demos); a shorter value is read as this. */
const MinReminderIntervalMs = 30_000;

/** The notices due now, in the order they should be sent. */
export function planNotifications(state: NotificationState, now: Date, lastSent: NotificationLedger): Notice[] {
  if (!state.enabled) return [];
  const everyone = recipients([state.globalAdmin, ...state.additionalRecipients]);
  const notices: Notice[] = [];
  const activated = lastSent.lastNotifiedLicenses !== undefined;
  if (state.deleting) {
    if (activated && lastSent.removalNoticeTime === undefined) {
      notices.push({ kind: 'IntegrationRemoved', to: everyone, pendingChanges: state.pendingChanges, mode: state.mode });
    }
  } else if (!activated) {
    notices.push({ kind: 'Activation', to: everyone, licenses: state.licenses, mode: state.mode, ...opt('globalAdmin', state.globalAdmin) });
  } else {
    notices.push(...changeNotices(state, lastSent, everyone));
  }
  const reminder = reminderDue(state, now, lastSent, everyone);
  if (reminder !== undefined) notices.push(reminder);
  return notices.filter((n) => n.to.length > 0);
}

function changeNotices(state: NotificationState, lastSent: NotificationLedger, everyone: string[]): Notice[] {
  const notices: Notice[] = [];
  const previous = lastSent.lastNotifiedLicenses;
  if (previous !== undefined && previous !== state.licenses) {
    notices.push({ kind: 'LicensesChanged', to: everyone, previous, current: state.licenses });
  }
  const before = lastSent.lastNotifiedGlobalAdmin;
  if (!sameUser(before, state.globalAdmin)) {
    if (before !== undefined) notices.push({ kind: 'GlobalAdminReassigned', to: [before], previous: before, ...opt('current', state.globalAdmin) });
    if (state.globalAdmin !== undefined)
      notices.push({ kind: 'GlobalAdminAssigned', to: [state.globalAdmin], globalAdmin: state.globalAdmin, mode: state.mode });
  }
  return notices;
}

function reminderDue(state: NotificationState, now: Date, lastSent: NotificationLedger, everyone: string[]): Notice | undefined {
  const at = reminderDueAt(state, lastSent);
  if (at === undefined || at > now.getTime()) return undefined;
  const failed = state.lastSync !== undefined && state.lastSync.result !== 'Succeeded';
  return {
    kind: 'SyncReminder',
    to: everyone,
    cause: failed ? 'SyncFailed' : 'ChangesQueued',
    pendingChanges: state.pendingChanges,
    ...opt('runName', failed ? state.lastSync.runName : undefined),
  };
}

/** When the next reminder is due (ms since epoch), or undefined while none is needed. */
function reminderDueAt(state: NotificationState, lastSent: NotificationLedger): number | undefined {
  const failed = state.lastSync !== undefined && state.lastSync.result !== 'Succeeded';
  const queued = state.mode === 'Manual' && state.pendingChanges > 0;
  if (!state.enabled || (!failed && !queued)) return undefined;
  const last = parse(lastSent.lastReminderTime);
  const interval = Math.max(MinReminderIntervalMs, state.reminderIntervalMs);
  if (last !== undefined) return last + interval;
  if (failed) return 0;
  const since = parse(state.pendingSince);
  return since === undefined ? 0 : since + Math.min(interval, state.graceMs ?? DefaultReminderGraceMs);
}

/**
 * Milliseconds until the planner should run again for a reminder (for the reconciler's
 * requeueAfter), or undefined when no reminder is scheduled.
 */
export function nextNotificationCheckIn(state: NotificationState, lastSent: NotificationLedger, now: Date): number | undefined {
  const at = reminderDueAt(state, lastSent);
  return at === undefined ? undefined : Math.max(0, at - now.getTime());
}

/** The ledger after `notice` was accepted by Graph (202). */
export function recordSent(ledger: NotificationLedger, notice: Notice, now: Date): NotificationLedger {
  const at = now.toISOString();
  switch (notice.kind) {
    case 'Activation':
      return { ...ledger, lastNotifiedLicenses: notice.licenses, lastNotifiedGlobalAdmin: notice.globalAdmin };
    case 'SyncReminder':
      return { ...ledger, lastReminderTime: at };
    case 'LicensesChanged':
      return { ...ledger, lastNotifiedLicenses: notice.current };
    case 'GlobalAdminAssigned':
      return { ...ledger, lastNotifiedGlobalAdmin: notice.globalAdmin };
    case 'GlobalAdminReassigned':
      return { ...ledger, lastNotifiedGlobalAdmin: notice.current };
    case 'IntegrationRemoved':
      return { ...ledger, removalNoticeTime: at };
  }
}

/**
 * The ledger once every planned notice is settled. A successful sync ends the reminder series, so
 * the next pending change starts a new one (with its grace period) instead of waiting a full day.
 */
export function clearReminderWhenSettled(ledger: NotificationLedger, state: NotificationState): NotificationLedger {
  if (reminderDueAt(state, {}) !== undefined || ledger.lastReminderTime === undefined) return ledger;
  return { ...ledger, lastReminderTime: undefined };
}

/** What sending produced. */
export interface NoticeOutcome {
  readonly ledger: NotificationLedger;
  readonly sent: readonly NoticeKind[];
  /** Notices whose send failed ambiguously: recorded as sent (at most once), possibly not delivered. */
  readonly uncertain: readonly NoticeKind[];
  /** The first send failure (sanitised by pkg/graph), if any. */
  readonly error?: unknown;
  /** When the planner should run again for a reminder. */
  readonly nextCheckInMs?: number | undefined;
}

/** The planner's view of the tenant. */
export function notificationState(tenant: CachedTenant, input: TenantReportInput): NotificationState {
  const n = tenant.spec.notifications;
  return {
    enabled: n?.enabled === true && n.senderMailbox !== undefined,
    mode: tenant.spec.syncMode,
    globalAdmin: tenant.spec.globalAdmin?.userPrincipalName,
    additionalRecipients: n?.additionalRecipients ?? [],
    licenses: tenant.spec.integrationLicenses,
    pendingChanges: input.pending.total,
    pendingSince: input.pending.since,
    lastSync: input.lastSync,
    deleting: input.deleting,
    reminderIntervalMs: safeDuration(n?.reminderInterval, 24 * 3_600_000),
  };
}

/** The ledger as status keeps it. */
export function ledgerOf(status: TeamsTenantStatus | undefined): NotificationLedger {
  const n = status?.notifications;
  return {
    lastReminderTime: n?.lastReminderTime,
    lastNotifiedLicenses: n?.lastNotifiedLicenses,
    lastNotifiedGlobalAdmin: n?.lastNotifiedGlobalAdmin,
    removalNoticeTime: n?.removalNoticeTime,
    sending: n?.sending === undefined ? undefined : { kind: n.sending.notice, startedAt: n.sending.startedAt },
  };
}

/** Writes the ledger to status before a send (the at-most-once record). */
export type PersistLedger = (ledger: NotificationLedger) => Promise<void>;

/** Sends the notices due now, in order; stops at the first failure. */
export async function sendNotices(
  tenant: CachedTenant,
  graph: Pick<TenantGraphPort, 'sendMail'>,
  state: NotificationState,
  ledger: NotificationLedger,
  now: Date,
  signal?: AbortSignal,
  persist?: PersistLedger,
): Promise<NoticeOutcome> {
  const sender = tenant.spec.notifications?.senderMailbox;
  const sent: NoticeKind[] = [];
  const uncertain: NoticeKind[] = [];
  const { sending, ...settled } = ledger;
  let next: NotificationLedger = settled;
  if (sending !== undefined) {
    // An earlier pass may have sent it and stopped before recording that: count it as sent.
    const again = planNotifications(state, now, next).find((n) => n.kind === sending.kind);
    if (again !== undefined) {
      next = recordSent(next, again, now);
      sent.push(again.kind);
      uncertain.push(again.kind);
    }
  }
  const notices = sender === undefined ? [] : planNotifications(state, now, next);
  let error: unknown;
  for (const notice of notices) {
    const mail = composeMail(notice, {
      tenantLabel: tenantLabel(tenant.spec.displayName, tenant.metadata.namespace ?? '', tenant.metadata.name),
      namespace: tenant.metadata.namespace ?? '',
      name: tenant.metadata.name,
    });
    try {
      await persist?.({ ...next, sending: { kind: notice.kind, startedAt: now.toISOString() } });
    } catch (e) {
      error = e;
      break;
    }
    try {
      await graph.sendMail(sender ?? '', mail, signal);
    } catch (e) {
      if (!isOutcomeUnknown(e)) {
        error = e;
        break;
      }
      uncertain.push(notice.kind);
    }
    next = recordSent(next, notice, now);
    sent.push(notice.kind);
  }
  if (error === undefined) next = clearReminderWhenSettled(next, state);
  return { ledger: next, sent, uncertain, error, nextCheckInMs: nextNotificationCheckIn(state, next, now) };
}

/** The ledger as status.notifications (undefined keys dropped by the merge patch). */
export function ledgerToStatus(ledger: NotificationLedger): TeamsTenantStatus['notifications'] {
  const { sending, ...rest } = ledger;
  const record = sending === undefined ? rest : { ...rest, sending: { notice: sending.kind, startedAt: sending.startedAt } };
  const entries = Object.entries(record).filter(([, v]) => v !== undefined);
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

function safeDuration(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  try {
    return parseDuration(text);
  } catch {
    return fallback;
  }
}

function recipients(list: readonly (string | undefined)[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of list) {
    if (r === undefined || r === '' || seen.has(r.toLowerCase())) continue;
    seen.add(r.toLowerCase());
    out.push(r);
  }
  return out;
}

function sameUser(a: string | undefined, b: string | undefined): boolean {
  return (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
}

function parse(t: string | undefined): number | undefined {
  const ms = t === undefined ? NaN : Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
