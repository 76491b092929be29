/**
 * Manual sync authorisation, the Kubernetes form of seed 003's "double authentication":
 * Kubernetes RBAC decides who may create a TeamsSync; for a Manual-mode tenant the run must also
 * carry a delegated token of the tenant's designated Global Admin, and that user must hold the
 * Global Administrator role (checked with Graph using the token itself).
 *
 * Pure: the Graph layer decodes the token's claims and answers the role question; this module only
 * decides. The token never appears in any output, only the user's UPN and object id.
 *
 * Call it once without `isGlobalAdministrator`; on `NeedRoleCheck`, ask Graph (graph-api.md §8,
 * `/me/transitiveMemberOf/microsoft.graph.directoryRole`) and call it again with the answer.
 */
import { SyncRunReason } from '../../pkg/apis/teamssync/v1alpha1/conditions.ts';
import type { SyncMode } from '../../pkg/apis/teamssync/v1alpha1/teams-tenant.ts';

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
export type RefusalCause = 'TokenRequired' | 'TokenMissing' | 'TokenUnusable' | 'TokenExpired' | 'WrongTenant' | 'NotDesignatedGlobalAdmin' | 'NotGlobalAdministrator';

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
  if (input.token.state === 'Missing') return refuse('TokenMissing', `The delegated token Secret is missing (${input.token.detail}): sign in again with teamssync-login`);
  if (input.token.state === 'Unusable') return refuse('TokenUnusable', `The delegated token could not be used (${input.token.detail}): sign in again with teamssync-login`);
  return withClaims(input, input.token.claims);
}

function withoutToken(input: AuthorizationInput): AuthorizationDecision {
  if (input.dryRun) return { outcome: 'Allowed', basis: 'DryRun' };
  if (input.tenantMode === 'Manual') {
    return refuse('TokenRequired', 'The tenant syncs manually: the designated Global Admin must authorise the run with teamssync-login (spec.delegatedTokenSecretRef)');
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
    return refuse('TokenExpired', `The sign-in of ${who} has expired (delegated tokens last about an hour): sign in again with teamssync-login`);
  }
  const designated = input.designated;
  if (designated !== undefined && !isDesignated(designated, claims, upn)) {
    return refuse('NotDesignatedGlobalAdmin', `${who} is not the designated Global Admin ${designated.userPrincipalName}: only that user may authorise a sync`);
  }
  if (input.isGlobalAdministrator === undefined) return { outcome: 'NeedRoleCheck', user };
  if (!input.isGlobalAdministrator) {
    return refuse('NotGlobalAdministrator', `${who} does not hold the Global Administrator role in tenant ${input.tenantId}: activate the role or designate another Global Admin`);
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
