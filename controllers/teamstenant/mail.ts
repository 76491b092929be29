/**
 * The e-mail notices a tenant may owe (notifications.ts decides which) and what each says, as the
 * body of Graph `POST /users/{sender}/sendMail` (https://learn.microsoft.com/en-us/graph/api/user-sendmail).
 * Pure. The tenant is named by its display name (or namespace/name); no secret, token or
 * credential ever appears. Every interpolated value is HTML-escaped in the HTML form.
 */
import type { SyncMode } from '../../pkg/apis/teamssync/v1alpha1/teams-tenant.ts';

/** One notice to send. */
export type Notice =
  | {
      readonly kind: 'Activation';
      readonly to: readonly string[];
      readonly licenses: number;
      readonly mode: SyncMode;
      readonly globalAdmin?: string | undefined;
    }
  | {
      readonly kind: 'SyncReminder';
      readonly to: readonly string[];
      readonly cause: 'ChangesQueued' | 'SyncFailed';
      readonly pendingChanges: number;
      readonly runName?: string | undefined;
    }
  | { readonly kind: 'LicensesChanged'; readonly to: readonly string[]; readonly previous: number; readonly current: number }
  | { readonly kind: 'GlobalAdminAssigned'; readonly to: readonly string[]; readonly globalAdmin: string; readonly mode: SyncMode }
  | { readonly kind: 'GlobalAdminReassigned'; readonly to: readonly string[]; readonly previous: string; readonly current?: string | undefined }
  | { readonly kind: 'IntegrationRemoved'; readonly to: readonly string[]; readonly pendingChanges: number; readonly mode: SyncMode };

/** A notice kind. */
export type NoticeKind = Notice['kind'];

/** How the tenant is named in mails, and where the admin finds it. */
export interface MailContext {
  /** spec.displayName, else `namespace/name`. */
  readonly tenantLabel: string;
  readonly namespace: string;
  readonly name: string;
  /** Default HTML. */
  readonly format?: 'HTML' | 'Text';
}

/** The sendMail request body. */
export interface SendMailRequest {
  readonly message: {
    readonly subject: string;
    readonly body: { readonly contentType: 'HTML' | 'Text'; readonly content: string };
    readonly toRecipients: readonly { readonly emailAddress: { readonly address: string } }[];
    readonly internetMessageHeaders: readonly { readonly name: string; readonly value: string }[];
  };
  readonly saveToSentItems: boolean;
}

type Block = string | { readonly list: readonly string[] };
interface Draft {
  readonly subject: string;
  readonly blocks: readonly Block[];
}

/** Header naming the notice kind, so mail rules (and tests against the simulator's outbox) can sort them. */
export const NoticeHeader = 'x-teamssync-notice';

/** Builds the sendMail body for one notice. */
export function composeMail(notice: Notice, ctx: MailContext): SendMailRequest {
  const draft = draftFor(notice, ctx);
  const format = ctx.format ?? 'HTML';
  const blocks = [...draft.blocks, footer(ctx)];
  return {
    message: {
      subject: draft.subject,
      body: { contentType: format, content: format === 'HTML' ? renderHtml(blocks) : renderText(blocks) },
      toRecipients: notice.to.map((address) => ({ emailAddress: { address } })),
      internetMessageHeaders: [{ name: NoticeHeader, value: notice.kind }],
    },
    saveToSentItems: false,
  };
}

function draftFor(notice: Notice, ctx: MailContext): Draft {
  const t = ctx.tenantLabel;
  const where = `TeamsTenant ${ctx.name} in namespace ${ctx.namespace}`;
  const howToSync = `To run a sync, run kubectl teamssync sync ${ctx.name} -n ${ctx.namespace} (the TeamsSync plugin) for ${where}. It checks that you are the designated Global Admin and starts a sync run; kubectl get teamssyncs -n ${ctx.namespace} shows its progress and history.`;
  switch (notice.kind) {
    case 'Activation':
      return {
        subject: `Microsoft Teams calling integration activated for ${t}`,
        blocks: [
          `The Microsoft Teams calling integration for ${t} is now set up, with ${notice.licenses} integration ${notice.licenses === 1 ? 'licence' : 'licences'}.`,
          notice.globalAdmin === undefined ? 'No Global Admin is designated for this integration.' : `${notice.globalAdmin} is the designated Global Admin.`,
          notice.mode === 'Manual'
            ? `Changes to user mappings are queued until the Global Admin runs a sync. ${howToSync}`
            : 'Changes to user mappings are applied to Microsoft Teams automatically, within seconds.',
        ],
      };
    case 'SyncReminder':
      return notice.cause === 'SyncFailed'
        ? {
            subject: `Action needed: the Microsoft Teams sync for ${t} failed`,
            blocks: [
              `The latest sync of the Microsoft Teams integration for ${t}${notice.runName === undefined ? '' : ` (run ${notice.runName})`} did not complete successfully.`,
              `Its job output lists each user that failed and why. ${howToSync}`,
              'You will be reminded regularly until a sync succeeds.',
            ],
          }
        : {
            subject: `Action needed: sync the Microsoft Teams integration for ${t}`,
            blocks: [
              `${notice.pendingChanges} user mapping ${notice.pendingChanges === 1 ? 'change is' : 'changes are'} waiting to be applied to Microsoft Teams for ${t}.`,
              howToSync,
              'You will be reminded regularly until the changes are synced.',
            ],
          };
    case 'LicensesChanged':
      return {
        subject: `Microsoft Teams integration licences changed for ${t}`,
        blocks: [
          `The number of integration licences for ${t} has changed.`,
          { list: [`Before: ${notice.previous}`, `Now: ${notice.current}`] },
          notice.current > notice.previous
            ? 'Mappings that were waiting for a licence receive one automatically, oldest first.'
            : 'Users who already have a licence keep it; no new licence is granted while more are in use than the new count allows.',
        ],
      };
    case 'GlobalAdminAssigned':
      return {
        subject: `You are now the Global Admin for the Microsoft Teams integration of ${t}`,
        blocks: [
          `You have been designated as the Global Admin of the Microsoft Teams calling integration for ${t}.`,
          notice.mode === 'Manual'
            ? `Only you can authorise syncs that apply user mapping changes to Microsoft Teams; you will get an e-mail when one is needed. ${howToSync}`
            : 'Changes are applied automatically; you will get an e-mail if a sync fails or the integration changes.',
          'Your account needs the Global Administrator role in Microsoft 365. If it does not have it, ask your provider to designate someone else.',
        ],
      };
    case 'GlobalAdminReassigned':
      return {
        subject: `You are no longer the Global Admin for the Microsoft Teams integration of ${t}`,
        blocks: [
          `The Global Admin role of the Microsoft Teams calling integration for ${t} has been ${notice.current === undefined ? 'removed from you' : `reassigned to ${notice.current}`}.`,
          'You no longer receive sync reminders and cannot authorise syncs for this integration.',
        ],
      };
    case 'IntegrationRemoved':
      return {
        subject: `The Microsoft Teams integration was removed from ${t}`,
        blocks: [
          `The Microsoft Teams calling integration has been removed from ${t}. Mapped users can no longer place or receive calls from the Teams dial pad with their provider numbers.`,
          notice.mode === 'Manual'
            ? `A final sync is needed to remove their phone numbers and calling policies from Microsoft Teams. ${howToSync}`
            : 'Their phone numbers and calling policies are being removed from Microsoft Teams automatically.',
          'If this was a mistake, contact your provider.',
        ],
      };
  }
}

function footer(ctx: MailContext): string {
  return `You receive this e-mail because you are a contact for the Microsoft Teams integration of ${ctx.tenantLabel}. It was sent automatically by teams-sync-controller.`;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function renderHtml(blocks: readonly Block[]): string {
  const parts = blocks.map((b) => (typeof b === 'string' ? `<p>${escapeHtml(b)}</p>` : `<ul>${b.list.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`));
  return `<html><body>${parts.join('\n')}</body></html>`;
}

function renderText(blocks: readonly Block[]): string {
  return blocks.map((b) => (typeof b === 'string' ? b : b.list.map((i) => `- ${i}`).join('\n'))).join('\n\n');
}

/** `spec.displayName` when set, else `namespace/name`. */
export function tenantLabel(displayName: string | undefined, namespace: string, name: string): string {
  return displayName !== undefined && displayName.trim() !== '' ? displayName.trim() : `${namespace}/${name}`;
}
