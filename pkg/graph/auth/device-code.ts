import type { Agent } from 'node:https';
import type { DeviceCodeRequest } from '@azure/msal-node';
import { PublicClientApplication } from './msal.ts';
import type { ResolvedEndpoints } from '../clouds.ts';
import type { GraphLogger } from '../logger.ts';
import { silentLogger } from '../logger.ts';
import { Redacted } from '../redacted.ts';
import { toGraphError } from '../to-graph-error.ts';
import { authorityOptions } from './authority.ts';
import { MsalNetworkModule } from './msal-network.ts';
import { msalLoggerOptions } from './msal-logger.ts';

/** Inputs of an interactive device-code sign-in (kubectl teamssync sync). */
export interface DeviceCodeLoginOptions {
  readonly tenantId: string;
  readonly clientId: string;
  readonly endpoints: ResolvedEndpoints;
  readonly agent: Agent;
  /** Delegated permissions, without the resource prefix, e.g. `['User.Read']`; `offline_access` is added by msal. */
  readonly permissions: readonly string[];
  /** Shows the user where to go and which code to enter (msal's `message`). */
  readonly onPrompt: (prompt: { message: string; userCode: string; verificationUri: string; expiresInSeconds: number }) => void;
  readonly logger?: GraphLogger;
}

/** The outcome of a device-code sign-in. Store `refreshToken` in a Secret for `delegatedRefreshToken` credentials. */
export interface DeviceCodeLoginResult {
  readonly accessToken: Redacted;
  readonly refreshToken: Redacted | undefined;
  readonly expiresOn: Date;
  readonly username: string;
  readonly homeAccountId: string;
}

/**
 * Runs the OAuth device code flow (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code) with msal-node and returns the tokens.
 *
 * Gotchas: msal does not hand out refresh tokens directly; this reads the one it cached (in memory only) from the
 * serialised cache right after sign-in. Errors are typed (`AuthFailed`, `ConsentRequired`, ...).
 */
export async function deviceCodeLogin(options: DeviceCodeLoginOptions): Promise<DeviceCodeLoginResult> {
  const logger = options.logger ?? silentLogger;
  const app = new PublicClientApplication({
    auth: { clientId: options.clientId, ...authorityOptions(options.endpoints.authorityHost, options.tenantId) },
    system: { networkClient: new MsalNetworkModule(options.agent), loggerOptions: msalLoggerOptions(logger, options.tenantId) },
  });
  const scopes = options.permissions.map((p) => (p.includes('://') ? p : `${options.endpoints.delegatedScopePrefix}${p}`));
  try {
    const result = await app.acquireTokenByDeviceCode({
      scopes,
      deviceCodeCallback: (r: Parameters<DeviceCodeRequest['deviceCodeCallback']>[0]) =>
        options.onPrompt({ message: r.message, userCode: r.userCode, verificationUri: r.verificationUri, expiresInSeconds: r.expiresIn }),
    });
    if (result === null) throw new Error('device code flow returned no result');
    const refreshToken = cachedRefreshToken(app.getTokenCache().serialize());
    return {
      accessToken: Redacted.of(result.accessToken),
      refreshToken: refreshToken === undefined ? undefined : Redacted.of(refreshToken),
      expiresOn: result.expiresOn ?? new Date(Date.now() + 60_000),
      username: result.account?.username ?? '',
      homeAccountId: result.account?.homeAccountId ?? '',
    };
  } catch (e: unknown) {
    throw toGraphError(e, { tenantId: options.tenantId, clientId: options.clientId, permission: options.permissions.join(', ') });
  }
}

/** The `secret` of the first refresh token in an msal serialised cache (JSON), if any. */
function cachedRefreshToken(serializedCache: string): string | undefined {
  const parsed = JSON.parse(serializedCache) as { RefreshToken?: Record<string, { secret?: unknown }> };
  for (const entry of Object.values(parsed.RefreshToken ?? {})) {
    if (typeof entry.secret === 'string' && entry.secret !== '') return entry.secret;
  }
  return undefined;
}
