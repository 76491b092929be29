import type { AccountInfo, AuthenticationResult } from '@azure/msal-node';
import { PublicClientApplication } from './msal.ts';
import { AuthFailedError } from '../errors.ts';
import type { GraphMetrics } from '../metrics.ts';
import { Redacted } from '../redacted.ts';
import { authorityOptions } from './authority.ts';
import type { AccessToken, AccessTokenCredentials, DelegatedRefreshTokenCredentials, TokenProvider } from './credentials.ts';
import type { TokenProviderOptions } from './app-token-provider.ts';
import { classifyMsalError } from './msal-errors.ts';
import { MsalNetworkModule } from './msal-network.ts';
import { msalLoggerOptions } from './msal-logger.ts';

/**
 * Delegated tokens from a refresh token (signed in once with `kubectl teamssync sync`). The first call redeems the refresh
 * token; later calls use msal's in-memory cache (`acquireTokenSilent`), which refreshes with the rotated refresh token.
 *
 * Gotchas: the app must allow public client flows (device code). A revoked or expired refresh token surfaces as
 * `AuthFailed` with reason `RefreshTokenExpired` and an instruction to sign in again.
 */
export class DelegatedTokenProvider implements TokenProvider {
  readonly tenantId: string;
  readonly clientId: string;
  readonly delegated = true;
  readonly #app: PublicClientApplication;
  readonly #scopes: string[];
  readonly #refreshToken: Redacted;
  readonly #metrics: GraphMetrics;
  readonly #network: MsalNetworkModule;
  #account: AccountInfo | null = null;

  constructor(credentials: DelegatedRefreshTokenCredentials, defaultScopes: readonly string[], options: TokenProviderOptions) {
    this.tenantId = options.tenantId;
    this.clientId = credentials.clientId;
    this.#scopes = [...(credentials.scopes ?? defaultScopes)];
    this.#refreshToken = credentials.refreshToken;
    this.#metrics = options.metrics;
    this.#network = new MsalNetworkModule(options.agent);
    this.#app = new PublicClientApplication({
      auth: { clientId: credentials.clientId, ...authorityOptions(options.authorityHost, options.tenantId) },
      system: { networkClient: this.#network, loggerOptions: msalLoggerOptions(options.logger, options.tenantId) },
    });
  }

  async getToken(options: { forceRefresh?: boolean } = {}): Promise<AccessToken> {
    let result: AuthenticationResult | null;
    try {
      result =
        this.#account === null
          ? await this.#app.acquireTokenByRefreshToken({ refreshToken: this.#refreshToken.reveal(), scopes: this.#scopes })
          : await this.#app.acquireTokenSilent({ account: this.#account, scopes: this.#scopes, forceRefresh: options.forceRefresh === true });
    } catch (e: unknown) {
      const error = classifyMsalError(e, { tenantId: this.tenantId, clientId: this.clientId, permission: this.#scopes.join(' ') }, this.#network);
      this.#metrics.tokenAcquisitions.inc({ tenant: this.tenantId, result: error.kind });
      throw error;
    }
    if (result === null || result.accessToken === '') {
      this.#metrics.tokenAcquisitions.inc({ tenant: this.tenantId, result: 'AuthFailed' });
      throw new AuthFailedError(`Entra ID returned no delegated token for tenant ${this.tenantId}: sign in again with kubectl teamssync sync`, {
        reason: 'RefreshTokenExpired',
        tenantId: this.tenantId,
      });
    }
    this.#account = result.account ?? this.#account;
    this.#metrics.tokenAcquisitions.inc({ tenant: this.tenantId, result: result.fromCache ? 'cache' : 'network' });
    return { token: Redacted.of(result.accessToken), expiresOn: result.expiresOn ?? new Date(Date.now() + 60_000), fromCache: result.fromCache };
  }
}

/**
 * A fixed delegated access token supplied via a Secret. No refresh is possible: once it expires (or Graph rejects
 * it) calls fail with `AuthFailed` telling the admin to supply a new one.
 */
export class StaticTokenProvider implements TokenProvider {
  readonly tenantId: string;
  readonly clientId: string;
  readonly delegated = true;
  readonly #credentials: AccessTokenCredentials;

  constructor(credentials: AccessTokenCredentials, tenantId: string) {
    this.tenantId = tenantId;
    this.clientId = credentials.clientId;
    this.#credentials = credentials;
  }

  async getToken(options: { forceRefresh?: boolean } = {}): Promise<AccessToken> {
    const expiresOn = this.#credentials.expiresOn ?? new Date(8.64e15);
    if (options.forceRefresh === true || expiresOn.getTime() <= Date.now()) {
      throw new AuthFailedError(
        `The supplied access token for tenant ${this.tenantId} has expired or was rejected: supply a new one or sign in with kubectl teamssync sync`,
        { reason: 'InvalidToken', tenantId: this.tenantId },
      );
    }
    return { token: this.#credentials.accessToken, expiresOn, fromCache: true };
  }
}
