/**
 * The TeamsTenant controller's only writes to Microsoft 365: the e-mail notices
 * (notifications.ts decides, mail.ts composes, Graph sendMail sends). A notice is recorded in the
 * ledger only after Graph accepted it (202), so a failed send is planned again next time and a
 * sent one is never repeated. Notices go out at most once: sendMail is not retried after an
 * ambiguous failure (the connection dropped after sending, a timeout, a 5xx), and such a notice is
 * recorded as sent, since Graph offers no way to look up a mail we sent without reading the
 * sender's mailbox; `uncertain` names it so the admin is told. For the same reason each notice is
 * recorded in status (`notifications.sending`) before it is sent: a pass that finds that record
 * (the process stopped, lost its lease, or its status write conflicted after sending) counts the
 * notice as sent rather than sending it again.
 */
import { parseDuration } from '../../pkg/apis/teamssync/v1alpha1/duration.ts';
import type { TeamsTenantStatus } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { isOutcomeUnknown, type GraphTenantClient } from '../../pkg/graph/index.ts';
import type { CachedTenant } from '../shared/resources.ts';
import { composeMail } from './mail.ts';
import { clearReminderWhenSettled, nextNotificationCheckIn, planNotifications, recordSent, type NotificationLedger, type NotificationState, type NoticeKind } from './notifications.ts';
import type { TenantReportInput } from './report-input.ts';

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
  client: GraphTenantClient,
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
    const mail = composeMail(notice, { tenantLabel: tenant.spec.displayName ?? `${tenant.metadata.namespace ?? ''}/${tenant.metadata.name}`, namespace: tenant.metadata.namespace ?? '', name: tenant.metadata.name });
    try {
      await persist?.({ ...next, sending: { kind: notice.kind, startedAt: now.toISOString() } });
    } catch (e) {
      error = e;
      break;
    }
    try {
      await client.mail.sendMail(sender ?? '', mail.message, { saveToSentItems: mail.saveToSentItems, ...(signal === undefined ? {} : { signal }) });
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
  return entries.length === 0 ? undefined : (Object.fromEntries(entries) as TeamsTenantStatus['notifications']);
}

function safeDuration(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  try {
    return parseDuration(text);
  } catch {
    return fallback;
  }
}
