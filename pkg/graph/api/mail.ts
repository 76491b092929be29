import { ValidationError } from '../errors.ts';
import { seg, type ApiContext } from './context.ts';
import type { MailMessage } from './outlook-types.ts';

/**
 * Reminder e-mail (https://learn.microsoft.com/graph/api/user-sendmail): `POST /users/{sender}/sendMail` → 202.
 *
 * Gotchas: not idempotent; it is retried only when throttled (429) or refused for load (503 + Retry-After), never
 * after a 504 or a dropped connection, so a reminder is not sent twice. The caller records that it was sent.
 */
export class MailApi {
  readonly #ctx: ApiContext;

  constructor(ctx: ApiContext) {
    this.#ctx = ctx;
  }

  /** Sends `message` as `senderIdOrUpn` (a licensed mailbox). `saveToSentItems` defaults to false. */
  async sendMail(senderIdOrUpn: string, message: MailMessage, options: { saveToSentItems?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    if (message.toRecipients.length === 0) throw new ValidationError('sendMail needs at least one recipient');
    const badHeader = message.internetMessageHeaders?.find((h) => !/^x-/i.test(h.name));
    if (badHeader !== undefined) throw new ValidationError(`Custom mail header "${badHeader.name}" must start with "x-"`);
    await this.#ctx.http.send({
      method: 'POST',
      path: `users/${seg(senderIdOrUpn)}/sendMail`,
      body: { message, saveToSentItems: options.saveToSentItems ?? false },
      operation: 'send a reminder e-mail',
      permission: 'Mail.Send',
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  }
}
