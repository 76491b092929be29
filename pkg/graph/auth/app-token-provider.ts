import { X509Certificate } from 'node:crypto';
import type { Agent } from 'node:https';
import type { AuthenticationResult, NodeAuthOptions } from '@azure/msal-node';
import { ConfidentialClientApplication } from './msal.ts';
import { AuthFailedError, isGraphError } from '../errors.ts';
import type { GraphLogger } from '../logger.ts';
import type { GraphMetrics } from '../metrics.ts';
import { Redacted } from '../redacted.ts';
import { authorityOptions } from './authority.ts';
import type { AccessToken, CertificateCredentials, ClientSecretCredentials, FederatedAssertionCredentials, TokenProvider } from './credentials.ts';
import { classifyMsalError } from './msal-errors.ts';
import { MsalNetworkModule } from './msal-network.ts';
import { msalLoggerOptions } from './msal-logger.ts';

/** App-only credential kinds handled by a confidential client. */
export type AppCredentials = ClientSecretCredentials | CertificateCredentials | FederatedAssertionCredentials;

/** Inputs shared by the token providers. */
export interface TokenProviderOptions {
  readonly tenantId: string;
  readonly authorityHost: string;
  readonly agent: Agent;
  readonly metrics: GraphMetrics;
  readonly logger: GraphLogger;
}

/**
 * App-only tokens from one msal-node `ConfidentialClientApplication` per tenant (secret, certificate or federated
 * assertion), cached in msal's in-memory cache only (no cache plugin: nothing is written to disk).
 *
 * Gotchas: msal returns a cached token until about 5 minutes before expiry; `forceRefresh` (used after a 401)
 * bypasses the cache. Failures become typed errors whose message tells an admin what to fix.
 */
export class AppTokenProvider implements TokenProvider {
  readonly tenantId: string;
  readonly clientId: string;
  readonly delegated = false;
  readonly #app: ConfidentialClientApplication;
  readonly #scope: string;
  readonly #metrics: GraphMetrics;
  readonly #network: MsalNetworkModule;
  readonly #federatedSubject: string | undefined;

  constructor(credentials: AppCredentials, scope: string, options: TokenProviderOptions) {
    this.tenantId = options.tenantId;
    this.clientId = credentials.clientId;
    this.#scope = scope;
    this.#metrics = options.metrics;
    this.#network = new MsalNetworkModule(options.agent);
    this.#federatedSubject = credentials.kind === 'federatedAssertion' ? credentials.subject : undefined;
    this.#app = new ConfidentialClientApplication({
      auth: {
        clientId: credentials.clientId,
        ...authorityOptions(options.authorityHost, options.tenantId),
        ...credentialOptions(credentials, options.tenantId),
      },
      system: { networkClient: this.#network, loggerOptions: msalLoggerOptions(options.logger, options.tenantId) },
    });
  }

  async getToken(options: { forceRefresh?: boolean } = {}): Promise<AccessToken> {
    let result: AuthenticationResult | null;
    try {
      result = await this.#app.acquireTokenByClientCredential({ scopes: [this.#scope], skipCache: options.forceRefresh === true });
    } catch (e: unknown) {
      const error = classifyMsalError(
        e,
        {
          tenantId: this.tenantId,
          clientId: this.clientId,
          permission: `the permissions of scope ${this.#scope}`,
          ...(this.#federatedSubject === undefined ? {} : { federatedSubject: this.#federatedSubject }),
        },
        this.#network,
      );
      this.#metrics.tokenAcquisitions.inc({ tenant: this.tenantId, result: error.kind });
      throw error;
    }
    if (result === null || result.accessToken === '') {
      this.#metrics.tokenAcquisitions.inc({ tenant: this.tenantId, result: 'AuthFailed' });
      throw new AuthFailedError(`Entra ID returned no access token for app ${this.clientId} in tenant ${this.tenantId}`, {
        reason: 'Unknown',
        tenantId: this.tenantId,
      });
    }
    this.#metrics.tokenAcquisitions.inc({ tenant: this.tenantId, result: result.fromCache ? 'cache' : 'network' });
    return { token: Redacted.of(result.accessToken), expiresOn: result.expiresOn ?? new Date(Date.now() + 60_000), fromCache: result.fromCache };
  }
}

function credentialOptions(c: AppCredentials, tenantId: string): Partial<NodeAuthOptions> {
  switch (c.kind) {
    case 'clientSecret':
      return { clientSecret: c.clientSecret.reveal() };
    case 'certificate':
      return { clientCertificate: certificateOptions(c) };
    case 'federatedAssertion':
      return { clientAssertion: () => federatedAssertion(c, tenantId) };
  }
}

function certificateOptions(c: CertificateCredentials): NonNullable<NodeAuthOptions['clientCertificate']> {
  const thumbprintSha256 = c.thumbprintSha256 ?? (c.certificatePem === undefined ? undefined : sha256Thumbprint(c.certificatePem));
  if (thumbprintSha256 === undefined) {
    throw new AuthFailedError(`Certificate credentials of app ${c.clientId} need the certificate or its SHA-256 thumbprint`, { reason: 'InvalidCertificate' });
  }
  return {
    thumbprintSha256: thumbprintSha256.replace(/:/g, '').toLowerCase(),
    privateKey: c.privateKeyPem.reveal(),
    ...(c.sendX5c === true && c.certificatePem !== undefined ? { x5c: c.certificatePem } : {}),
  };
}

/** Hex SHA-256 fingerprint of the first certificate in a PEM string. */
function sha256Thumbprint(certificatePem: string): string {
  return new X509Certificate(certificatePem).fingerprint256.replace(/:/g, '').toLowerCase();
}

/** The current federated token; a failure of the source keeps its own typed error (it says what to fix). */
async function federatedAssertion(c: FederatedAssertionCredentials, tenantId: string): Promise<string> {
  try {
    const token = (await c.getAssertion()).reveal();
    if (token === '') throw new Error('empty token');
    return token;
  } catch (e: unknown) {
    if (isGraphError(e)) throw e;
    throw new AuthFailedError(`Could not obtain the federated service-account token of ${c.subject} for app ${c.clientId} in tenant ${tenantId}`, {
      reason: 'FederatedTokenUnreadable',
      tenantId,
      cause: e,
    });
  }
}
