import { AuthFailedError, ConsentRequiredError, TerminalError, TransientError, type AnyGraphError, type AuthFailureReason } from '../errors.ts';

/** Who was authenticating; only identifiers, never credentials. Used to write actionable messages. */
export interface AuthContext {
  readonly tenantId: string;
  readonly clientId: string;
  /** Permission(s) the request needed, e.g. `User.Read.All` or the requested scopes. */
  readonly permission?: string;
  /** Subject of the federated token presented (workload identity), e.g. `system:serviceaccount:<ns>:<name>`. */
  readonly federatedSubject?: string;
}

type Rule =
  | { readonly kind: 'AuthFailed'; readonly reason: AuthFailureReason; readonly advice: (c: AuthContext) => string }
  | { readonly kind: 'ConsentRequired' }
  | { readonly kind: 'Transient' | 'Terminal'; readonly advice: (c: AuthContext) => string };

const app = (c: AuthContext): string => `app ${c.clientId} in tenant ${c.tenantId}`;
const federated = (c: AuthContext): string =>
  c.federatedSubject === undefined
    ? `No federated identity credential of ${app(c)} matches the service-account token: add one whose issuer, subject and audience (api://AzureADTokenExchange) match exactly`
    : `No federated identity credential of ${app(c)} trusts ${c.federatedSubject}: only a TeamsTenant in a namespace the app trusts can use it; an administrator of tenant ${c.tenantId} must add a federated credential whose issuer, subject (${c.federatedSubject}) and audience match exactly`;

/**
 * AADSTS error numbers (https://learn.microsoft.com/entra/identity-platform/reference-error-codes) mapped to an error kind and an admin-facing instruction.
 * Exported for the table-driven unit test and docs/errors.md.
 */
export const AADSTS_RULES: ReadonlyMap<number, Rule> = new Map<number, Rule>([
  [65001, { kind: 'ConsentRequired' }],
  [65004, { kind: 'ConsentRequired' }],
  [90094, { kind: 'ConsentRequired' }],
  [90008, { kind: 'ConsentRequired' }],
  [
    7000215,
    {
      kind: 'AuthFailed',
      reason: 'InvalidSecret',
      advice: (c) => `The client secret of ${app(c)} was rejected: store the secret's value (not its ID) in the referenced Secret`,
    },
  ],
  [
    7000222,
    {
      kind: 'AuthFailed',
      reason: 'SecretExpired',
      advice: (c) => `The client secret of ${app(c)} has expired: create a new secret in Entra ID and update the referenced Secret`,
    },
  ],
  [
    7000218,
    {
      kind: 'AuthFailed',
      reason: 'InvalidSecret',
      advice: (c) => `No client secret or assertion was sent for ${app(c)}: check the credentials in the referenced Secret`,
    },
  ],
  [
    700027,
    {
      kind: 'AuthFailed',
      reason: 'InvalidCertificate',
      advice: (c) =>
        c.federatedSubject === undefined
          ? `The certificate assertion of ${app(c)} was rejected: upload the certificate to the app registration or fix the private key and thumbprint`
          : `The service-account token of ${c.federatedSubject} for ${app(c)} failed signature validation against the keys its issuer publishes: check the cluster's service-account issuer and its OIDC discovery document`,
    },
  ],
  [
    700023,
    {
      kind: 'AuthFailed',
      reason: 'InvalidCertificate',
      advice: (c) => `The client assertion of ${app(c)} is malformed: check the certificate and private key`,
    },
  ],
  [
    50027,
    {
      kind: 'AuthFailed',
      reason: 'InvalidCertificate',
      advice: (c) => `The client assertion of ${app(c)} is not a valid JWT: check the certificate and private key`,
    },
  ],
  [
    700024,
    {
      kind: 'AuthFailed',
      reason: 'AssertionExpired',
      advice: (c) =>
        `The client assertion of ${app(c)} is outside its validity window: check the clock, or that the projected service-account token is being rotated`,
    },
  ],
  [70021, { kind: 'AuthFailed', reason: 'FederatedIdentityMismatch', advice: federated }],
  [700211, { kind: 'AuthFailed', reason: 'FederatedIdentityMismatch', advice: federated }],
  [700212, { kind: 'AuthFailed', reason: 'FederatedIdentityMismatch', advice: federated }],
  [700213, { kind: 'AuthFailed', reason: 'FederatedIdentityMismatch', advice: federated }],
  [
    90061,
    {
      kind: 'AuthFailed',
      reason: 'FederatedIssuerUnreachable',
      advice: (c) =>
        `Entra ID could not fetch the OpenID configuration or signing keys of the service-account issuer${c.federatedSubject === undefined ? '' : ` of ${c.federatedSubject}`} to sign in ${app(c)}: publish the cluster's issuer discovery document and JWKS where Entra ID can reach them`,
    },
  ],
  [
    7000112,
    {
      kind: 'AuthFailed',
      reason: 'AppDisabled',
      advice: (c) => `The ${app(c)} is disabled: an administrator must enable the application (or its service principal) in Entra ID`,
    },
  ],
  [
    700016,
    {
      kind: 'AuthFailed',
      reason: 'AppNotFound',
      advice: (c) => `The ${app(c)} was not found: check the client ID, and have an administrator of tenant ${c.tenantId} grant admin consent to the app`,
    },
  ],
  [
    90002,
    { kind: 'AuthFailed', reason: 'TenantNotFound', advice: (c) => `Tenant ${c.tenantId} was not found: check the tenant ID and the cloud of the TeamsTenant` },
  ],
  [
    900023,
    { kind: 'AuthFailed', reason: 'TenantNotFound', advice: (c) => `Tenant identifier ${c.tenantId} is not valid: use the tenant GUID or a verified domain` },
  ],
  [
    90072,
    {
      kind: 'AuthFailed',
      reason: 'TenantNotFound',
      advice: (c) => `The signed-in account does not exist in tenant ${c.tenantId}: sign in with an account of that tenant`,
    },
  ],
  [
    50173,
    {
      kind: 'AuthFailed',
      reason: 'RefreshTokenExpired',
      advice: (c) => `The delegated sign-in for tenant ${c.tenantId} was revoked: sign in again with kubectl teamssync sync`,
    },
  ],
  [
    700082,
    {
      kind: 'AuthFailed',
      reason: 'RefreshTokenExpired',
      advice: (c) => `The delegated sign-in for tenant ${c.tenantId} expired after inactivity: sign in again with kubectl teamssync sync`,
    },
  ],
  [
    70008,
    {
      kind: 'AuthFailed',
      reason: 'RefreshTokenExpired',
      advice: (c) => `The delegated sign-in for tenant ${c.tenantId} has expired: sign in again with kubectl teamssync sync`,
    },
  ],
  [
    50076,
    {
      kind: 'AuthFailed',
      reason: 'InteractionRequired',
      advice: (c) => `Multi-factor authentication is required for tenant ${c.tenantId}: sign in again with kubectl teamssync sync`,
    },
  ],
  [
    50079,
    {
      kind: 'AuthFailed',
      reason: 'InteractionRequired',
      advice: (c) => `Multi-factor authentication is required for tenant ${c.tenantId}: sign in again with kubectl teamssync sync`,
    },
  ],
  [
    53003,
    {
      kind: 'AuthFailed',
      reason: 'InteractionRequired',
      advice: (c) => `Conditional Access in tenant ${c.tenantId} blocked the sign-in of ${app(c)}: an administrator must allow it`,
    },
  ],
  [70011, { kind: 'Terminal', advice: (c) => `The scope requested for ${app(c)} is not valid for this cloud: check the TeamsTenant's cloud` }],
  [
    50049,
    { kind: 'Terminal', advice: (c) => `The authority host used for ${app(c)} is not a known Entra ID instance: check the cloud or authority host override` },
  ],
]);

/** Extracts the AADSTS number from msal's `errorNo` or from the error description text. */
function aadstsNumber(errorNo: string | undefined, description: string): number | undefined {
  if (errorNo !== undefined && /^\d+$/.test(errorNo)) return Number(errorNo);
  const match = /AADSTS(\d+)/.exec(description);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** The message every consent failure carries, naming what the admin must do. */
export function consentMessage(c: AuthContext): string {
  const permission = c.permission ?? 'the Microsoft Graph permissions the controller needs';
  return `An administrator must grant admin consent for ${permission} to app ${c.clientId} in tenant ${c.tenantId}`;
}

const TRANSIENT_OAUTH = new Set(['temporarily_unavailable', 'server_error', 'network_error', 'request_cannot_be_made', 'no_network_connectivity']);
const INTERACTION = new Set(['interaction_required', 'login_required', 'consent_required', 'invalid_grant']);

/** The parts of a token-endpoint failure that classification needs (from msal's error or a raw OAuth body). */
export interface OAuthFailure {
  readonly error: string;
  readonly description: string;
  readonly subError?: string;
  readonly errorNo?: string;
  readonly status?: number;
}

/**
 * Classifies a token-endpoint failure. Never echoes the service's description (it can contain the client id's
 * secret hint, trace ids and URLs); the message is built from the table above plus the AADSTS number.
 */
export function classifyOAuthFailure(f: OAuthFailure, c: AuthContext, cause?: unknown): AnyGraphError {
  const code = aadstsNumber(f.errorNo, f.description);
  const tag = code === undefined ? f.error : `AADSTS${code}`;
  const details = { tenantId: c.tenantId, graphCode: f.error, cause, ...(f.status === undefined ? {} : { status: f.status }) };
  const rule = code === undefined ? undefined : AADSTS_RULES.get(code);
  if (rule?.kind === 'ConsentRequired' || f.subError === 'consent_required') {
    return new ConsentRequiredError(`${consentMessage(c)} (${tag})`, { ...details, ...optional('permission', c.permission), ...optional('aadsts', code) });
  }
  if (rule?.kind === 'AuthFailed') {
    return new AuthFailedError(`${rule.advice(c)} (${tag})`, { ...details, reason: rule.reason, ...optional('aadsts', code) });
  }
  if (rule !== undefined)
    return rule.kind === 'Transient' ? new TransientError(`${rule.advice(c)} (${tag})`, details) : new TerminalError(`${rule.advice(c)} (${tag})`, details);
  if (TRANSIENT_OAUTH.has(f.error) || (f.status !== undefined && f.status >= 500) || f.status === 429) {
    return new TransientError(`Entra ID could not issue a token for ${app(c)} right now (${tag}); retrying`, details);
  }
  if (INTERACTION.has(f.error)) {
    return new AuthFailedError(`Entra ID requires a new sign-in for tenant ${c.tenantId} (${tag}): sign in again with kubectl teamssync sync`, {
      ...details,
      reason: 'InteractionRequired',
      ...optional('aadsts', code),
    });
  }
  return new AuthFailedError(`Entra ID rejected the credentials of ${app(c)} (${tag}): check the TeamsTenant's credentials`, {
    ...details,
    reason: 'Unknown',
    ...optional('aadsts', code),
  });
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
