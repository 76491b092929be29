/**
 * Entra ID (AADSTS) error responses in Microsoft's JSON shape
 * (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow,
 * https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
 * Thrown by the login handlers and serialised by the login server.
 */
import { randomUUID } from 'node:crypto';

/** An OAuth error answer from the token or device-code endpoint. */
export class AadError extends Error {
  readonly status: number;
  readonly error: string;
  readonly aadsts: number;
  readonly suberror: string | undefined;

  constructor(status: number, error: string, aadsts: number, message: string, suberror?: string) {
    super(message);
    this.status = status;
    this.error = error;
    this.aadsts = aadsts;
    this.suberror = suberror;
  }
}

/** Entra's timestamp format: "2025-09-01 12:00:00Z". */
const aadTimestamp = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');

/** The JSON body for an AadError; `correlationId` echoes the client's client-request-id when it sent one. */
export function aadErrorBody(e: AadError, loginUrl: string, correlationId: string | undefined, now = Date.now()): Record<string, unknown> {
  const traceId = randomUUID();
  const correlation = correlationId ?? randomUUID();
  const timestamp = aadTimestamp(now);
  const body: Record<string, unknown> = {
    error: e.error,
    error_description: `AADSTS${e.aadsts}: ${e.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${timestamp}`,
    error_codes: [e.aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlation,
    error_uri: `${loginUrl}/error?code=${e.aadsts}`,
  };
  if (e.suberror !== undefined) body['suberror'] = e.suberror;
  return body;
}

/** The AADSTS errors the simulator produces, by cause. */
export const Aad = {
  tenantNotFound: (tenant: string): AadError =>
    new AadError(
      400,
      'invalid_request',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  appNotFound: (appId: string, tenant: string): AadError =>
    new AadError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${appId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  appDisabled: (appId: string, name: string): AadError => new AadError(400, 'unauthorized_client', 7000112, `Application '${appId}'(${name}) is disabled.`),
  badSecret: (appId: string): AadError =>
    new AadError(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`,
    ),
  noCredential: (): AadError =>
    new AadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  malformedAssertion: (why: string): AadError => new AadError(401, 'invalid_client', 50027, `JWT token is invalid or malformed. ${why}`),
  certificateNotRegistered: (thumbprint: string): AadError =>
    new AadError(
      401,
      'invalid_client',
      700027,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}']`,
    ),
  badAssertionSignature: (): AadError => new AadError(401, 'invalid_client', 700027, 'Client assertion failed signature validation.'),
  federatedIssuerUnreachable: (iss: string, why: string): AadError =>
    new AadError(
      401,
      'invalid_client',
      90061,
      `Request to External OIDC endpoint failed. Could not fetch the OpenID configuration or signing keys of issuer '${iss}': ${why}`,
    ),
  federatedKeyNotFound: (iss: string, kid: string): AadError =>
    new AadError(
      401,
      'invalid_client',
      700027,
      `Client assertion failed signature validation. [Reason - The key '${kid}' was not found in the signing keys published by issuer '${iss}'.]`,
    ),
  assertionTime: (): AadError => new AadError(401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.'),
  noFederatedMatch: (iss: string, sub: string, aud: string): AadError =>
    new AadError(
      401,
      'invalid_client',
      70021,
      `No matching federated identity record found for presented assertion. Assertion Issuer: '${iss}'. Assertion Subject: '${sub}'. Assertion Audience: '${aud}'.`,
    ),
  consentRequired: (appId: string, name: string): AadError =>
    new AadError(
      400,
      'invalid_grant',
      65001,
      `The user or administrator has not consented to use the application with ID '${appId}' named '${name}'. Send an interactive authorization request for this user and resource.`,
      'consent_required',
    ),
  scopeNeedsDefault: (scope: string): AadError =>
    new AadError(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  invalidScope: (scope: string): AadError =>
    new AadError(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' isn't valid. The scope ${scope} isn't valid.`),
  unsupportedGrant: (grant: string): AadError => new AadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`),
  missingParameter: (name: string): AadError =>
    new AadError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
  authorizationPending: (): AadError =>
    new AadError(400, 'authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.'),
  authorizationDeclined: (): AadError => new AadError(400, 'authorization_declined', 70000, 'The end user denied the authorization request.'),
  expiredDeviceCode: (): AadError => new AadError(400, 'expired_token', 70019, 'Verification code expired.'),
  badDeviceCode: (): AadError => new AadError(400, 'bad_verification_code', 70000, 'The device code is not recognised.'),
  userDisabled: (): AadError => new AadError(400, 'invalid_grant', 50057, 'The user account is disabled.'),
  refreshRevoked: (): AadError =>
    new AadError(400, 'invalid_grant', 50173, 'The provided grant has expired due to it being revoked, a fresh auth token is needed.'),
  publicClientNotAllowed: (): AadError =>
    new AadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
} as const;
