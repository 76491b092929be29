/**
 * Confidential-client authentication at the token endpoint: client secret (post or Basic), certificate assertion
 * (RS256/x5t or PS256/x5t#S256, https://learn.microsoft.com/entra/identity-platform/certificate-credentials) and
 * federated workload-identity assertion (https://learn.microsoft.com/entra/workload-id/workload-identity-federation).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { SimContext } from '../sim-context.ts';
import type { AppRecord } from '../state/records.ts';
import type { FederatedCredentialSeed } from '../state/seed.ts';
import type { TenantState } from '../state/tenant-state.ts';
import { Aad } from './aad-errors.ts';
import { decodeJwt, numericClaim, stringClaim, verifyJwtSignature, type DecodedJwt } from './jwt.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const SKEW_S = 300;

/** How the client proved its identity (drives the token's `appidacr`). */
export type ClientAuthMethod = 'secret' | 'certificate' | 'federated' | 'none';

/** Authenticates the client of a token request; throws AadError. `requireCredential` false = public client allowed. */
export function authenticateClient(
  ctx: SimContext,
  tenant: TenantState,
  app: AppRecord,
  form: URLSearchParams,
  basicSecret: string | undefined,
  requireCredential: boolean,
  now: number,
): ClientAuthMethod {
  const secret = form.get('client_secret') ?? basicSecret;
  const assertion = form.get('client_assertion');
  if (secret !== undefined) {
    if (!app.secrets.has(secret)) throw Aad.badSecret(app.appId);
    return 'secret';
  }
  if (assertion !== null) {
    if (form.get('client_assertion_type') !== JWT_BEARER) throw Aad.malformedAssertion('Unsupported client_assertion_type.');
    const jwt = decodeJwt(assertion);
    if (!jwt) throw Aad.malformedAssertion('The assertion is not a compact JWT.');
    checkLifetime(jwt, now);
    return stringClaim(jwt.payload, 'iss') === app.appId ? verifyCertificateAssertion(ctx, tenant, app, jwt) : verifyFederatedAssertion(ctx, app, jwt);
  }
  if (requireCredential || !app.publicClient) throw Aad.noCredential();
  return 'none';
}

function checkLifetime(jwt: DecodedJwt, now: number): void {
  const nowS = now / 1000;
  const exp = numericClaim(jwt.payload, 'exp');
  const nbf = numericClaim(jwt.payload, 'nbf') ?? numericClaim(jwt.payload, 'iat') ?? 0;
  if (exp === undefined || exp + SKEW_S < nowS || nbf - SKEW_S > nowS) throw Aad.assertionTime();
}

function thumbprintHeader(jwt: DecodedJwt): { hex: string; sha256: boolean } | undefined {
  const s256 = jwt.header['x5t#S256'];
  const s1 = jwt.header['x5t'];
  const pick = typeof s256 === 'string' ? { v: s256, sha256: true } : typeof s1 === 'string' ? { v: s1, sha256: false } : undefined;
  return pick && { hex: Buffer.from(pick.v, 'base64url').toString('hex').toUpperCase(), sha256: pick.sha256 };
}

function verifyCertificateAssertion(ctx: SimContext, tenant: TenantState, app: AppRecord, jwt: DecodedJwt): ClientAuthMethod {
  if (stringClaim(jwt.payload, 'sub') !== app.appId) throw Aad.malformedAssertion("The 'sub' claim must be the client id.");
  checkAudience(ctx, tenant, stringClaim(jwt.payload, 'aud'));
  const tp = thumbprintHeader(jwt);
  if (!tp) throw Aad.malformedAssertion('The assertion header has no x5t or x5t#S256 thumbprint.');
  const cert = app.certificates.find((c) => (tp.sha256 ? c.thumbprintSha256 : c.thumbprintSha1) === tp.hex);
  if (!cert) throw Aad.certificateNotRegistered(tp.hex);
  if (!verifyJwtSignature(jwt, cert.publicKey)) throw Aad.badAssertionSignature();
  return 'certificate';
}

/** The assertion's audience must be this tenant's token endpoint on the simulator's login host. */
function checkAudience(ctx: SimContext, tenant: TenantState, aud: string | undefined): void {
  let url: URL;
  try {
    url = new URL(aud ?? '');
  } catch {
    throw Aad.malformedAssertion('The audience claim is not a URL.');
  }
  const [, tenantSegment, ...rest] = url.pathname.split('/');
  const okHost = url.origin === new URL(ctx.loginUrl).origin;
  const okPath = rest.join('/') === 'oauth2/v2.0/token' && ctx.tenant(tenantSegment ?? '') === tenant;
  if (!okHost || !okPath) throw Aad.malformedAssertion(`The audience '${aud ?? ''}' is not this tenant's token endpoint.`);
}

/**
 * Federated identity credential (workload identity): issuer, subject and one audience must equal one of the app's
 * federated credentials exactly, and the signature must verify with a key the issuer publishes (its OpenID
 * configuration's JWKS, fetched beforehand by {@link prepareFederatedAssertion}), a configured `publicKeyPem`, or
 * the simulator's own workload issuer. Nothing is trusted on its claims alone.
 */
function verifyFederatedAssertion(ctx: SimContext, app: AppRecord, jwt: DecodedJwt): ClientAuthMethod {
  const iss = stringClaim(jwt.payload, 'iss') ?? '';
  const sub = stringClaim(jwt.payload, 'sub') ?? '';
  const auds = audiences(jwt.payload['aud']);
  const match = app.federatedCredentials.find(
    (f) => f.issuer === iss && f.subject === sub && auds.some((a) => (f.audiences ?? ['api://AzureADTokenExchange']).includes(a)),
  );
  if (!match) throw Aad.noFederatedMatch(iss, sub, auds.join(','));
  if (!verifyJwtSignature(jwt, federatedKey(ctx, match, iss, jwt))) throw Aad.badAssertionSignature();
  return 'federated';
}

function federatedKey(ctx: SimContext, match: FederatedCredentialSeed, iss: string, jwt: DecodedJwt): KeyObject {
  if (match.publicKeyPem !== undefined) return createPublicKey(match.publicKeyPem);
  if (iss === ctx.workloadIssuer) return ctx.signingPublicKey;
  const kid = typeof jwt.header['kid'] === 'string' ? jwt.header['kid'] : undefined;
  const found = ctx.oidcIssuers.lookup(iss, kid);
  if ('unreachable' in found) throw Aad.federatedIssuerUnreachable(iss, found.unreachable);
  if ('unknownKid' in found) throw Aad.federatedKeyNotFound(iss, kid ?? '');
  return found.key;
}

/**
 * Fetches (or refreshes) the signing keys of an external issuer before the synchronous token handler runs, only
 * when the assertion names an issuer one of the app's federated credentials trusts (Entra never fetches metadata
 * of issuers nobody configured). Never throws: the handler reports whatever is wrong.
 */
export async function prepareFederatedAssertion(ctx: SimContext, tenantSegment: string, form: URLSearchParams): Promise<void> {
  const assertion = form.get('client_assertion');
  if (assertion === null || form.get('client_assertion_type') !== JWT_BEARER) return;
  const jwt = decodeJwt(assertion);
  const iss = jwt === undefined ? undefined : stringClaim(jwt.payload, 'iss');
  if (jwt === undefined || iss === undefined || iss === ctx.workloadIssuer) return;
  const clientId = (form.get('client_id') ?? '').toLowerCase();
  const lower = tenantSegment.toLowerCase();
  const tenant = lower === 'common' || lower === 'organizations' ? ctx.tenantOfApp(clientId) : ctx.tenant(lower);
  const app = tenant?.apps.get(clientId);
  if (app === undefined || !app.federatedCredentials.some((f) => f.issuer === iss && f.publicKeyPem === undefined)) return;
  await ctx.oidcIssuers.prepare(iss, typeof jwt.header['kid'] === 'string' ? jwt.header['kid'] : undefined);
}

function audiences(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
}
