/** POST /users/{id|upn}/sendMail (https://learn.microsoft.com/graph/api/user-sendmail): validated, 202, captured in the tenant's outbox. */
import { GraphHttpError, Errors } from '../errors.ts';
import { BOTH, type GraphRequest, type RouteDef } from '../server/route-types.ts';
import type { UserRecord } from '../state/records.ts';
import { jsonBody } from './odata-query.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Resolves the mailbox owner of an Outlook route: unknown user → ErrorInvalidUser, no mailbox → 404. */
export function mailboxUser(req: GraphRequest): UserRecord {
  const id = req.params['id'] ?? '';
  const user = req.tenant.findUser(id, req.now);
  if (!user) throw new GraphHttpError(404, 'ErrorInvalidUser', `The requested user '${id}' is invalid.`);
  if (!user.simMailbox) throw Errors.mailboxNotEnabled();
  return user;
}

function recipients(message: Record<string, unknown>, field: string, required: boolean): void {
  const list = message[field];
  if (list === undefined || list === null) {
    if (required)
      throw new GraphHttpError(
        400,
        'ErrorInvalidRecipients',
        "At least one recipient is not valid., A message can't be sent because it contains no recipients.",
      );
    return;
  }
  if (!Array.isArray(list)) throw Errors.badRequest(`'${field}' must be an array of recipients.`);
  if (required && list.length === 0) throw new GraphHttpError(400, 'ErrorInvalidRecipients', "A message can't be sent because it contains no recipients.");
  for (const r of list) {
    const address = (r as { emailAddress?: { address?: unknown } } | null)?.emailAddress?.address;
    if (typeof address !== 'string' || !EMAIL.test(address)) {
      throw new GraphHttpError(
        400,
        'ErrorInvalidRecipients',
        `At least one recipient is not valid., Recipient '${String(address)}' is not resolved. All recipients must be resolved before a message can be submitted.`,
      );
    }
  }
}

function validateMessage(message: Record<string, unknown>): void {
  recipients(message, 'toRecipients', true);
  recipients(message, 'ccRecipients', false);
  recipients(message, 'bccRecipients', false);
  const body = message['body'] as { contentType?: unknown } | undefined;
  if (body !== undefined) {
    const ct = typeof body.contentType === 'string' ? body.contentType.toLowerCase() : 'text';
    if (ct !== 'text' && ct !== 'html') throw Errors.badRequest(`Invalid body contentType '${String(body.contentType)}'; use Text or HTML.`);
  }
  for (const h of (message['internetMessageHeaders'] as { name?: unknown }[] | undefined) ?? []) {
    if (typeof h.name !== 'string' || !/^x-/i.test(h.name)) {
      throw new GraphHttpError(400, 'InvalidInternetMessageHeader', `The internet message header name '${String(h.name)}' should start with 'x-' or 'X-'.`);
    }
  }
}

function sendMail(req: GraphRequest): { status: number } {
  const user = mailboxUser(req);
  const body = jsonBody(req);
  const message = body['message'];
  if (typeof message !== 'object' || message === null || Array.isArray(message)) throw Errors.badRequest("The parameter 'message' is required.");
  validateMessage(message as Record<string, unknown>);
  req.tenant.outbox.push({
    tenantId: req.tenant.tenantId,
    fromUserId: user.id,
    fromUserPrincipalName: user.userPrincipalName,
    message: structuredClone(message as Record<string, unknown>),
    saveToSentItems: body['saveToSentItems'] !== false,
    sentAt: new Date(req.now).toISOString(),
    appId: req.auth.appId,
  });
  return { status: 202 };
}

/** The sendMail route. */
export const mailRoutes: readonly RouteDef[] = [
  {
    method: 'POST',
    pattern: '/users/{id}/sendMail',
    versions: BOTH,
    schema: { kind: 'action', name: 'sendMail' },
    throttle: 'outlook',
    permissions: { application: ['Mail.Send'], delegated: ['Mail.Send'] },
    deniedCode: 'ErrorAccessDenied',
    handler: sendMail,
  },
];
