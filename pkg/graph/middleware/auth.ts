import type { Context } from '@microsoft/microsoft-graph-client';
import type { TokenProvider } from '../auth/credentials.ts';
import { Link, setHeader } from './request-policy.ts';

/**
 * Adds `Authorization: Bearer <token>` from the tenant's token provider. On a 401 (token revoked, expired early,
 * or signed for a stale consent) it fetches a fresh token bypassing msal's cache and resends once; a second 401 is
 * returned to the caller and becomes `AuthFailed`.
 *
 * Gotchas: token failures are typed errors (`AuthFailed`, `ConsentRequired`, ...) thrown from here; the raw token
 * is only ever placed in the outgoing header.
 */
export class AuthMiddleware extends Link {
  readonly #tokens: TokenProvider;

  constructor(tokens: TokenProvider) {
    super();
    this.#tokens = tokens;
  }

  async execute(context: Context): Promise<void> {
    await this.#send(context, false);
    if (context.response?.status === 401 && !this.#tokens.delegated) await this.#send(context, true);
  }

  async #send(context: Context, forceRefresh: boolean): Promise<void> {
    const token = await this.#tokens.getToken({ forceRefresh });
    setHeader(context, 'authorization', `Bearer ${token.token.reveal()}`);
    await this.next(context);
  }
}
