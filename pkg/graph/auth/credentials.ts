import type { Redacted } from '../redacted.ts';

/** App-only: client id + client secret (Entra "certificates & secrets" → secret value). */
export interface ClientSecretCredentials {
  readonly kind: 'clientSecret';
  readonly clientId: string;
  readonly clientSecret: Redacted;
}

/**
 * App-only: certificate. msal-node signs a PS256 assertion with `privateKeyPem` (PKCS#8 PEM). Give either the
 * certificate PEM (the SHA-256 thumbprint is computed from it) or the thumbprint directly.
 */
export interface CertificateCredentials {
  readonly kind: 'certificate';
  readonly clientId: string;
  readonly privateKeyPem: Redacted;
  readonly certificatePem?: string;
  /** Hex SHA-256 thumbprint of the certificate registered on the app. */
  readonly thumbprintSha256?: string;
  /** Send the chain (`x5c`) for subject-name/issuer authentication. */
  readonly sendX5c?: boolean;
}

/**
 * App-only: workload identity federation. `getAssertion` returns a current federated token (a Kubernetes
 * ServiceAccount token with audience api://AzureADTokenExchange, from the TokenRequest API); msal calls it whenever
 * it needs a new access token, so the assertion source does its own caching and refresh. `subject` is the token's
 * subject (`system:serviceaccount:<namespace>:<name>`), named in error messages so an admin knows which federated
 * credential to add.
 */
export interface FederatedAssertionCredentials {
  readonly kind: 'federatedAssertion';
  readonly clientId: string;
  readonly subject: string;
  readonly getAssertion: () => Promise<Redacted>;
}

/**
 * Delegated: a refresh token from `kubectl teamssync sync` (device code flow), stored in a Secret. Used for manual syncs
 * run on behalf of a signed-in administrator.
 */
export interface DelegatedRefreshTokenCredentials {
  readonly kind: 'delegatedRefreshToken';
  readonly clientId: string;
  readonly refreshToken: Redacted;
  /** Delegated scopes; default `<graph root>/.default` (everything consented to the app). */
  readonly scopes?: readonly string[];
}

/** Delegated: a ready access token supplied via a Secret; used until it expires, never refreshed. */
export interface AccessTokenCredentials {
  readonly kind: 'accessToken';
  readonly clientId: string;
  readonly accessToken: Redacted;
  readonly expiresOn?: Date;
}

/** Every way a tenant client can authenticate. */
export type TenantCredentials =
  ClientSecretCredentials | CertificateCredentials | FederatedAssertionCredentials | DelegatedRefreshTokenCredentials | AccessTokenCredentials;

/** An access token and when it stops working. */
export interface AccessToken {
  readonly token: Redacted;
  readonly expiresOn: Date;
  readonly fromCache: boolean;
}

/** What the auth middleware needs; one instance per tenant client. */
export interface TokenProvider {
  readonly tenantId: string;
  readonly clientId: string;
  /** True for delegated tokens (user context, `/me` works). */
  readonly delegated: boolean;
  /** Returns a valid token, from msal's in-memory cache when possible; `forceRefresh` skips the cache. */
  getToken(options?: { forceRefresh?: boolean }): Promise<AccessToken>;
}
