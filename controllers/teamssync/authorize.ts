/**
 * Manual sync authorisation, the Kubernetes form of seed 003's "double authentication":
 * Kubernetes RBAC decides who may create a TeamsSync; for a Manual-mode tenant the run must also
 * carry a delegated token of the tenant's designated Global Admin, and that user must hold the
 * Global Administrator role (checked with Graph using the token itself).
 *
 * Three steps, in the order a run meets them:
 * 1. `readDelegatedToken`: the run's token Secret (read once, never cached, never logged; only a
 *    Secret the sign-in command made for this run qualifies) and the token's claims, decoded
 *    without verifying the signature: that is Microsoft's business, and Graph rejects a forged or
 *    revoked token on first use (the role check is the first call made with it). The claims only
 *    decide, before any Graph call, whether the token can possibly authorise the run.
 * 2. `authorizeRun` (pure) decides from the claims; on `NeedRoleCheck`,
 * 3. `withRoleCheck` asks Graph with the token itself whether the user holds the Global
 *    Administrator role (https://learn.microsoft.com/en-us/graph/api/user-list-memberof) and decides again.
 *
 * The token never appears in any output, only the user's UPN and object id; the raw value leaves
 * this module only inside a `Redacted`.
 */
import { SyncRunReason } from '../../pkg/apis/teamssync/v1alpha1/conditions.ts';
import type { SyncMode } from '../../pkg/apis/teamssync/v1alpha1/teams-tenant.ts';
import { isGraphError, redact } from '../../pkg/graph/index.ts';
import { isNotFound, type KubeClient, type KubeObject } from '../../pkg/runtime/index.ts';
import type { DelegatedSignIn, RunClient, RunGraph } from './ports.ts';
import { DelegatedTokenLabel, secretResource, type TeamsSync, type TeamsTenant } from './resources.ts';

/** The claims of the delegated access token the Graph layer decoded (never the token). */
export interface DelegatedTokenClaims {
  readonly upn?: string | undefined;
  /** `preferred_username`, used when `upn` is absent (guest and some federated accounts). */
  readonly preferredUsername?: string | undefined;
  readonly oid?: string | undefined;
  readonly tid?: string | undefined;
  /** Expiry, Unix seconds. */
  readonly exp?: number | undefined;
}

/** What the run's token Secret yielded. */
export type DelegatedToken =
  | { readonly state: 'Missing'; readonly detail: string }
  | { readonly state: 'Unusable'; readonly detail: string }
  | { readonly state: 'Present'; readonly claims: DelegatedTokenClaims };

/** Everything the decision needs. */
export interface AuthorizationInput {
  readonly trigger: 'Manual' | 'Auto';
  readonly dryRun: boolean;
  readonly tenantMode: SyncMode;
  readonly tenantId: string;
  /** Undefined when the run has no spec.delegatedTokenSecretRef. */
  readonly token: DelegatedToken | undefined;
  /** spec.globalAdmin (+ status.globalAdminObjectId once resolved); undefined when none is designated. */
  readonly designated?: { readonly userPrincipalName: string; readonly objectId?: string | undefined } | undefined;
  /** Graph's answer; undefined when not asked yet. */
  readonly isGlobalAdministrator?: boolean | undefined;
  readonly now: Date;
}

/** Why a run was refused (finer than the condition reason). */
export type RefusalCause =
  'TokenRequired' | 'TokenMissing' | 'TokenUnusable' | 'TokenExpired' | 'WrongTenant' | 'NotDesignatedGlobalAdmin' | 'NotGlobalAdministrator';

/** The signed-in user, identified without the token. */
export interface AuthorizedUser {
  readonly userPrincipalName?: string | undefined;
  readonly objectId?: string | undefined;
}

/** The decision. `basis` says why an allowed run needs no (more) checks. */
export type AuthorizationDecision =
  | { readonly outcome: 'Allowed'; readonly basis: 'AutoRun' | 'AppCredentials' | 'DryRun' | 'GlobalAdmin'; readonly user?: AuthorizedUser | undefined }
  | { readonly outcome: 'NeedRoleCheck'; readonly user: AuthorizedUser }
  | { readonly outcome: 'Refused'; readonly cause: RefusalCause; readonly reason: string; readonly message: string };

const reasonOf: Record<RefusalCause, string> = {
  TokenRequired: SyncRunReason.TokenRequired,
  TokenMissing: SyncRunReason.TokenNotFound,
  TokenUnusable: SyncRunReason.TokenInvalid,
  TokenExpired: SyncRunReason.TokenInvalid,
  WrongTenant: SyncRunReason.TokenInvalid,
  NotDesignatedGlobalAdmin: SyncRunReason.NotDesignatedGlobalAdmin,
  NotGlobalAdministrator: SyncRunReason.NotGlobalAdministrator,
};

function refuse(cause: RefusalCause, message: string): AuthorizationDecision {
  return { outcome: 'Refused', cause, reason: reasonOf[cause], message };
}

/** Decides whether a run may write to Microsoft 365 (see the module comment for the two-step use). */
export function authorizeRun(input: AuthorizationInput): AuthorizationDecision {
  // Auto runs are records the controller itself creates for changes it already applies.
  if (input.trigger === 'Auto') return { outcome: 'Allowed', basis: 'AutoRun' };
  if (input.token === undefined) return withoutToken(input);
  if (input.token.state === 'Missing')
    return refuse('TokenMissing', `The delegated token Secret is missing (${input.token.detail}): sign in again with kubectl teamssync sync`);
  if (input.token.state === 'Unusable')
    return refuse('TokenUnusable', `The delegated token could not be used (${input.token.detail}): sign in again with kubectl teamssync sync`);
  return withClaims(input, input.token.claims);
}

function withoutToken(input: AuthorizationInput): AuthorizationDecision {
  if (input.dryRun) return { outcome: 'Allowed', basis: 'DryRun' };
  if (input.tenantMode === 'Manual') {
    return refuse(
      'TokenRequired',
      'The tenant syncs manually: the designated Global Admin must authorise the run with kubectl teamssync sync (spec.delegatedTokenSecretRef)',
    );
  }
  // Auto mode: the app-only consent already authorises writes; RBAC decided who may ask for a run.
  return { outcome: 'Allowed', basis: 'AppCredentials' };
}

function withClaims(input: AuthorizationInput, claims: DelegatedTokenClaims): AuthorizationDecision {
  const upn = claims.upn ?? claims.preferredUsername;
  const user: AuthorizedUser = { userPrincipalName: upn, objectId: claims.oid };
  const who = upn ?? claims.oid ?? 'an unknown user';
  if (claims.tid === undefined || claims.tid.toLowerCase() !== input.tenantId.toLowerCase()) {
    return refuse('WrongTenant', `${who} signed in to tenant ${claims.tid ?? 'unknown'}, not ${input.tenantId}: sign in to the tenant of this TeamsTenant`);
  }
  if (claims.exp === undefined || claims.exp * 1000 <= input.now.getTime()) {
    return refuse('TokenExpired', `The sign-in of ${who} has expired (delegated tokens last about an hour): sign in again with kubectl teamssync sync`);
  }
  const designated = input.designated;
  if (designated !== undefined && !isDesignated(designated, claims, upn)) {
    return refuse('NotDesignatedGlobalAdmin', `${who} is not the designated Global Admin ${designated.userPrincipalName}: only that user may authorise a sync`);
  }
  if (input.isGlobalAdministrator === undefined) return { outcome: 'NeedRoleCheck', user };
  if (!input.isGlobalAdministrator) {
    return refuse(
      'NotGlobalAdministrator',
      `${who} does not hold the Global Administrator role in tenant ${input.tenantId}: activate the role or designate another Global Admin`,
    );
  }
  return { outcome: 'Allowed', basis: 'GlobalAdmin', user };
}

/**
 * The object id decides when both sides know it (a UPN can be renamed or reused); otherwise the
 * UPN, case-insensitively.
 */
function isDesignated(designated: NonNullable<AuthorizationInput['designated']>, claims: DelegatedTokenClaims, upn: string | undefined): boolean {
  if (designated.objectId !== undefined && claims.oid !== undefined) return designated.objectId.toLowerCase() === claims.oid.toLowerCase();
  return upn !== undefined && upn.toLowerCase() === designated.userPrincipalName.toLowerCase();
}

/** The decision's inputs from the run, its tenant and the token. */
export function authorizationInput(run: TeamsSync, tenant: TeamsTenant, token: DelegatedToken | undefined, now: Date): AuthorizationInput {
  const admin = tenant.spec.globalAdmin;
  const objectId = tenant.status?.globalAdminObjectId;
  return {
    trigger: run.spec.trigger,
    dryRun: run.spec.dryRun,
    tenantMode: tenant.spec.syncMode,
    tenantId: tenant.spec.tenantId,
    token,
    designated: admin === undefined ? undefined : { userPrincipalName: admin.userPrincipalName, ...(objectId === undefined ? {} : { objectId }) },
    now,
  };
}

/**
 * Completes a `NeedRoleCheck` decision by asking Graph with the delegated client; other decisions
 * are returned unchanged. A token Graph refuses is a refusal (sign in again); a Graph outage is
 * thrown so the run stays Pending and the pass is retried.
 */
export async function withRoleCheck(
  decision: AuthorizationDecision,
  input: AuthorizationInput,
  graph: RunGraph,
  delegated: RunClient,
  signal: AbortSignal,
): Promise<AuthorizationDecision> {
  if (decision.outcome !== 'NeedRoleCheck') return decision;
  const who = decision.user.userPrincipalName ?? decision.user.objectId ?? 'the signed-in user';
  let isGlobalAdministrator: boolean;
  try {
    isGlobalAdministrator = await graph.isGlobalAdministrator(delegated, signal);
  } catch (err) {
    if (isGraphError(err, 'AuthFailed') || isGraphError(err, 'ConsentRequired')) {
      return {
        outcome: 'Refused',
        cause: 'TokenUnusable',
        reason: SyncRunReason.TokenInvalid,
        message: `Microsoft 365 did not accept the sign-in of ${who} (${err.message}): sign in again with kubectl teamssync sync`,
      };
    }
    throw err;
  }
  return authorizeRun({ ...input, isGlobalAdministrator });
}

/** The delegated token of a run: its claims for the decision and, when usable, the sign-in for Graph. */
export interface TokenReading {
  /** Undefined when the run has no spec.delegatedTokenSecretRef. */
  readonly token: DelegatedToken | undefined;
  readonly signIn?: DelegatedSignIn | undefined;
}

interface SecretData {
  readonly metadata?: {
    readonly labels?: Readonly<Record<string, string>>;
    readonly ownerReferences?: { readonly kind?: string; readonly uid?: string }[];
  };
  readonly data?: Readonly<Record<string, string>>;
}

/**
 * Why a Secret may not serve as (and be deleted as) this run's token, or undefined when it may.
 * Only Secrets the sign-in command made for a run qualify: labelled as a delegated token, and owned
 * by nothing but this run (the command adds the run as owner once the run exists). Anything else a
 * spec names (an app's client secret, another run's token) is neither read nor deleted.
 */
export function tokenSecretRefusal(secret: SecretData, run: TeamsSync): string | undefined {
  const where = `Secret ${run.metadata.namespace ?? ''}/${run.spec.delegatedTokenSecretRef?.name ?? ''}`;
  if (secret.metadata?.labels?.[DelegatedTokenLabel] !== 'true') {
    return (
      `${where} was not made by the sign-in command (it lacks the label ${DelegatedTokenLabel}=true); ` +
      'the controller reads and deletes only token Secrets made for a run'
    );
  }
  const others = (secret.metadata.ownerReferences ?? []).filter((o) => !(o.kind === 'TeamsSync' && o.uid === run.metadata.uid));
  if (others.length > 0) return `${where} belongs to another object (${others.map((o) => o.kind ?? 'unknown').join(', ')}), not to this run`;
  return undefined;
}

/** Reads `spec.delegatedTokenSecretRef` (same namespace). Messages name the Secret and key, never the value. */
export async function readDelegatedToken(client: Pick<KubeClient, 'get'>, run: TeamsSync, signal: AbortSignal): Promise<TokenReading> {
  const ref = run.spec.delegatedTokenSecretRef;
  if (ref === undefined) return { token: undefined };
  const namespace = run.metadata.namespace ?? '';
  let secret: SecretData;
  try {
    secret = await client.get<KubeObject & SecretData>(secretResource, namespace, ref.name, signal);
  } catch (err) {
    if (isNotFound(err)) return { token: { state: 'Missing', detail: `Secret ${namespace}/${ref.name} does not exist` } };
    throw err;
  }
  const refusal = tokenSecretRefusal(secret, run);
  if (refusal !== undefined) return { token: { state: 'Unusable', detail: refusal } };
  const encoded = secret.data?.[ref.key];
  if (encoded === undefined || encoded === '') return { token: { state: 'Missing', detail: `Secret ${namespace}/${ref.name} has no key ${ref.key}` } };
  const raw = Buffer.from(encoded, 'base64').toString('utf8').trim();
  const token = decodeDelegatedToken(raw);
  if (token.state !== 'Present') return { token };
  return { token, signIn: { token: redact(raw), clientId: tokenClientId(raw), expiresAt: token.claims.exp } };
}

/** Decodes `token` (a compact JWS) into the claims authorizeRun reads; `Unusable` when it is not one. */
export function decodeDelegatedToken(token: string): DelegatedToken {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts[1] === undefined || parts[1] === '') return unusable('the Secret does not hold a JWT access token');
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return unusable('the token payload is not JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return unusable('the token payload is not a JSON object');
  const p = payload as Record<string, unknown>;
  if (p['idtyp'] === 'app' || (p['scp'] === undefined && p['roles'] !== undefined)) {
    return unusable('the token is an app-only token, not a sign-in of the Global Admin');
  }
  const claims: DelegatedTokenClaims = {
    upn: str(p['upn']),
    preferredUsername: str(p['preferred_username']) ?? str(p['unique_name']),
    oid: str(p['oid']),
    tid: str(p['tid']),
    exp: typeof p['exp'] === 'number' && Number.isFinite(p['exp']) ? p['exp'] : undefined,
  };
  return { state: 'Present', claims };
}

/** The application (client) id the token was issued to (`appid` v1, `azp` v2), if present. */
export function tokenClientId(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.trim().split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    return str(payload['appid']) ?? str(payload['azp']);
  } catch {
    return undefined;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function unusable(detail: string): DelegatedToken {
  return { state: 'Unusable', detail };
}
