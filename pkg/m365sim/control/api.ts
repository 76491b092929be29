/**
 * The in-process control API: what tests, benches and the demo use to seed tenants, change Teams-side state,
 * inject faults and read what the simulator saw. control/http.ts exposes the same operations over HTTP JSON.
 */
import { randomUUID } from 'node:crypto';
import { grantConsent, revokeAppTokens, revokeConsent, revokeUserTokens } from '../entra/consent.ts';
import { signJwt } from '../entra/jwt.ts';
import type { FaultRule } from '../faults.ts';
import { applyAssign, applyUnassign, type AssignInput } from '../graph/number-changes.ts';
import { settleDueOperations } from '../graph/operations.ts';
import type { RequestCount, RequestLogEntry, RetryAfterViolation } from '../request-log.ts';
import type { SimContext } from '../sim-context.ts';
import { buildApp, buildUser } from '../state/factories.ts';
import type { AppRecord, NumberRecord, UserRecord } from '../state/records.ts';
import type { AppSeed, ContactSeed, TenantSeed, UserSeed } from '../state/seed.ts';
import { loadTenant } from '../state/seed-loader.ts';
import type { OutboxMessage, TenantState } from '../state/tenant-state.ts';
import type { SimulatorLimits } from '../throttle.ts';
import { replicateNow, setDirectPolicy } from './teams-admin-changes.ts';
import { assignLicense, deleteUser, patchUser, removeLicense, setEnterpriseVoice, type UserPatch } from './tenant-mutations.ts';

/** A device-code sign-in waiting for the (simulated) user. */
export interface PendingDeviceCode {
  userCode: string;
  tenantId: string;
  appId: string;
  scopes: string[];
}

/**
 * When to use: `sim.control` from startSimulator. Every method is synchronous and takes effect at once (reads via
 * Graph still see Graph-side writes only after the replication lag).
 * Gotchas: methods throw Error for unknown tenants, users or apps (test bugs should be loud).
 */
export class SimulatorControl {
  readonly #ctx: SimContext;

  constructor(ctx: SimContext) {
    this.#ctx = ctx;
  }

  // ---- tenants, apps, users ---------------------------------------------------------------------------------
  /** Adds (or replaces) a tenant from its seed. */
  addTenant(seed: TenantSeed): void {
    const t = loadTenant(seed, this.#ctx.config.replicationLagMs);
    this.#ctx.tenants.set(t.tenantId, t);
  }
  removeTenant(tenantId: string): void {
    this.#ctx.tenants.delete(tenantId.toLowerCase());
  }
  tenantIds(): string[] {
    return [...this.#ctx.tenants.keys()];
  }
  addApp(tenantId: string, seed: AppSeed): void {
    const app = buildApp(seed);
    this.#tenant(tenantId).apps.set(app.appId, app);
  }
  setAppDisabled(tenantId: string, appId: string, disabled: boolean): void {
    this.#app(tenantId, appId).disabled = disabled;
  }
  addUser(tenantId: string, seed: UserSeed): UserRecord {
    const user = buildUser(seed, Date.now());
    this.#tenant(tenantId).writeUser(user, Date.now());
    return user;
  }
  /** The user as the primary replica holds it (no lag), or undefined. */
  user(tenantId: string, idOrUpn: string): UserRecord | undefined {
    return this.#tenant(tenantId).latestUser(idOrUpn);
  }
  updateUser(tenantId: string, idOrUpn: string, patch: UserPatch): UserRecord {
    return patchUser(this.#tenant(tenantId), idOrUpn, patch);
  }
  disableUser(tenantId: string, idOrUpn: string): UserRecord {
    return patchUser(this.#tenant(tenantId), idOrUpn, { accountEnabled: false });
  }
  renameUser(tenantId: string, idOrUpn: string, patch: Pick<UserPatch, 'displayName' | 'userPrincipalName'>): UserRecord {
    return patchUser(this.#tenant(tenantId), idOrUpn, patch);
  }
  deleteUser(tenantId: string, idOrUpn: string, opts: { permanent?: boolean } = {}): void {
    deleteUser(this.#tenant(tenantId), idOrUpn, opts.permanent ?? false);
  }
  assignLicense(tenantId: string, idOrUpn: string, sku: string): UserRecord {
    return assignLicense(this.#tenant(tenantId), idOrUpn, sku);
  }
  removeLicense(tenantId: string, idOrUpn: string, sku: string): UserRecord {
    return removeLicense(this.#tenant(tenantId), idOrUpn, sku);
  }

  // ---- Teams-side state ---------------------------------------------------------------------------------------
  /**
   * The user's own Teams client presence ("Offline" ends it). Returns when it changed (Unix ms), so a bench can time
   * the change from the moment Graph shows it, not from when its control request was sent.
   */
  setPresence(tenantId: string, idOrUpn: string, availability: string, activity: string): { changedAt: number } {
    const t = this.#tenant(tenantId);
    const changedAt = Date.now();
    t.presence.setTeamsClient(this.#userId(t, idOrUpn), availability, activity, changedAt);
    return { changedAt };
  }
  setOutOfOffice(tenantId: string, idOrUpn: string, isOutOfOffice: boolean, message: string | null = null): void {
    const t = this.#tenant(tenantId);
    t.presence.setOutOfOffice(this.#userId(t, idOrUpn), isOutOfOffice, message);
  }
  /** Assigns a number directly in Teams (no operation); returns the failure text if Teams would refuse. */
  assignNumber(tenantId: string, input: Omit<AssignInput, 'locationId' | 'assignmentCategory'> & Partial<AssignInput>): string | undefined {
    const t = this.#tenant(tenantId);
    const full: AssignInput = { assignmentCategory: 'primary', locationId: null, ...input, assignmentTargetId: this.#userId(t, input.assignmentTargetId) };
    return applyAssign(t, full, Date.now()).failure;
  }
  /** Unassigns a number directly in Teams (an admin did it in the Teams admin centre). */
  unassignNumber(tenantId: string, telephoneNumber: string): string | undefined {
    return applyUnassign(this.#tenant(tenantId), telephoneNumber, null, Date.now()).failure;
  }
  /** The tenant's numbers now: number operations whose time has come are completed first, as Teams would have. */
  numbers(tenantId: string): NumberRecord[] {
    const t = this.#tenant(tenantId);
    settleDueOperations(this.#ctx, t, Date.now());
    return [...t.numbers.latestValues()];
  }
  setEnterpriseVoice(tenantId: string, idOrUpn: string, enabled: boolean): void {
    setEnterpriseVoice(this.#tenant(tenantId), idOrUpn, enabled);
  }
  /** Teams settings of a user (enterprise voice, direct policies) as the primary replica holds them. */
  teamsSettings(tenantId: string, idOrUpn: string): { enterpriseVoice: boolean; policies: Record<string, { policyId: string; displayName: string }> } {
    const t = this.#tenant(tenantId);
    const s = t.latestTeams(this.#userId(t, idOrUpn), Date.now());
    return { enterpriseVoice: s.enterpriseVoice, policies: { ...s.policies } };
  }
  /** Sets (name) or removes (undefined) a user's direct policy of a type, as an admin would; returns the failure text if Teams would refuse. */
  setDirectPolicy(tenantId: string, idOrUpn: string, policyType: string, policyName: string | undefined): string | undefined {
    const t = this.#tenant(tenantId);
    return setDirectPolicy(t, this.#userId(t, idOrUpn), policyType, policyName);
  }
  /** Every write so far becomes visible to Graph reads now (the replication lag has passed for them). */
  replicateNow(tenantId: string): void {
    replicateNow(this.#tenant(tenantId));
  }
  addContact(tenantId: string, idOrUpn: string, contact: ContactSeed): string {
    const t = this.#tenant(tenantId);
    return t.contacts.upsert(this.#userId(t, idOrUpn), contact, Date.now()).id;
  }
  removeContact(tenantId: string, idOrUpn: string, contactId: string): boolean {
    const t = this.#tenant(tenantId);
    return t.contacts.remove(this.#userId(t, idOrUpn), contactId);
  }
  /** Replaces a contact's fields (a different `folder` moves it); false when the contact does not exist. */
  updateContact(tenantId: string, idOrUpn: string, contactId: string, contact: ContactSeed): boolean {
    const t = this.#tenant(tenantId);
    return t.contacts.update(this.#userId(t, idOrUpn), contactId, contact, Date.now()) !== undefined;
  }
  /** Contact ids of a mailbox (all folders), in creation order. */
  contactIds(tenantId: string, idOrUpn: string): string[] {
    const t = this.#tenant(tenantId);
    return [...t.contacts.mailbox(this.#userId(t, idOrUpn)).contacts.keys()];
  }
  /** Expires every contacts delta token of one mailbox (next use → 410 SyncStateNotFound). */
  expireContactDeltaTokens(tenantId: string, idOrUpn: string): void {
    const t = this.#tenant(tenantId);
    t.contacts.expireDeltaTokens(this.#userId(t, idOrUpn));
  }
  /**
   * Gives or takes away the user's Exchange Online mailbox (its licence removed and the grace period over): without
   * one, Outlook routes answer 404 MailboxNotEnabledForRESTAPI. The contacts are kept for when it comes back.
   */
  setMailboxEnabled(tenantId: string, idOrUpn: string, enabled: boolean): void {
    const t = this.#tenant(tenantId);
    const u = t.latestUser(idOrUpn);
    if (!u) throw new Error(`m365sim: unknown user '${idOrUpn}' in tenant '${t.tenantId}'`);
    t.writeUser({ ...u, simMailbox: enabled }, Date.now());
  }
  /** The most Outlook requests ever in flight at once against one mailbox (of the tenant, or any); reset by resetCounters. */
  peakMailboxConcurrency(tenantId?: string): number {
    return this.#ctx.mailboxConcurrency.peak(tenantId === undefined ? '' : `${tenantId.toLowerCase()}|`);
  }
  /** Invalidates every users delta token of the tenant (next use → 410 syncStateNotFound). */
  expireDeltaTokens(tenantId: string): void {
    this.#tenant(tenantId).deltaGeneration++;
  }

  // ---- consent, tokens, sign-in -------------------------------------------------------------------------------
  grantConsent(tenantId: string, appId: string, grant: { application?: string[]; delegated?: string[] }): void {
    grantConsent(this.#app(tenantId, appId), grant);
  }
  /** Without `which`: the whole consent (new tokens refused with AADSTS65001). Existing tokens fail either way. */
  revokeConsent(tenantId: string, appId: string, which?: { application?: string[]; delegated?: string[] }): void {
    revokeConsent(this.#ctx, tenantId.toLowerCase(), this.#app(tenantId, appId), which);
  }
  /** Revokes tokens of an app and/or a user (Graph answers 401 on their next use). */
  revokeTokens(tenantId: string, target: { appId?: string; userId?: string }): void {
    if (target.appId !== undefined) revokeAppTokens(this.#ctx, tenantId.toLowerCase(), this.#app(tenantId, target.appId));
    if (target.userId !== undefined) revokeUserTokens(this.#ctx, tenantId.toLowerCase(), target.userId.toLowerCase());
  }
  /** Mints a Kubernetes-style service-account token from the simulator's trusted workload issuer. */
  issueWorkloadToken(opts: { subject: string; audience?: string; lifetimeSeconds?: number }): string {
    const iat = Math.floor(Date.now() / 1000);
    return signJwt(
      {
        iss: this.#ctx.workloadIssuer,
        sub: opts.subject,
        aud: [opts.audience ?? 'api://AzureADTokenExchange'],
        iat,
        nbf: iat,
        exp: iat + (opts.lifetimeSeconds ?? 3600),
        jti: randomUUID(),
      },
      this.#ctx.signingKey,
      this.#ctx.kid,
    );
  }
  /** The issuer to put in an app's federatedCredentials to trust issueWorkloadToken. */
  workloadIssuer(): string {
    return this.#ctx.workloadIssuer;
  }
  /**
   * Trusts a CA for fetching external workload-identity issuers' OpenID configuration and JWKS (Entra trusts public
   * CAs only; a test apiserver's issuer is self-signed).
   */
  trustIssuerCa(caPem: string): void {
    this.#ctx.oidcIssuers.trustCa(caPem);
  }
  pendingDeviceCodes(): PendingDeviceCode[] {
    return [...this.#ctx.deviceCodes.values()]
      .filter((g) => g.state === 'pending')
      .map((g) => ({ userCode: g.userCode, tenantId: g.tenantId, appId: g.appId, scopes: [...g.scopes] }));
  }
  /** The user signs in and approves the device code. */
  approveDeviceCode(userCode: string, userIdOrUpn: string): void {
    const g = this.#deviceCode(userCode);
    g.userId = this.#userId(this.#tenant(g.tenantId), userIdOrUpn);
    g.state = 'approved';
  }
  declineDeviceCode(userCode: string): void {
    this.#deviceCode(userCode).state = 'declined';
  }

  // ---- faults, knobs, observation -----------------------------------------------------------------------------
  addFault(rule: FaultRule): string {
    return this.#ctx.faults.add(rule);
  }
  removeFault(id: string): boolean {
    return this.#ctx.faults.remove(id);
  }
  clearFaults(): void {
    this.#ctx.faults.clear();
  }
  faults(): FaultRule[] {
    return this.#ctx.faults.list();
  }
  setLimits(limits: Partial<SimulatorLimits>): void {
    Object.assign(this.#ctx.config.limits, limits);
  }
  limits(): SimulatorLimits {
    return { ...this.#ctx.config.limits };
  }
  setReplicationLag(ms: number): void {
    this.#ctx.config.replicationLagMs = ms;
    for (const t of this.#ctx.tenants.values()) t.lagMs = ms;
  }
  setOperationDelay(ms: number): void {
    this.#ctx.config.operationDelayMs = ms;
  }
  requestLog(filter: Parameters<SimContext['log']['entries']>[0] = {}): RequestLogEntry[] {
    return this.#ctx.log.entries(filter);
  }
  /** Every Graph write so far (uncapped, with body and writer), for exactly-once checks. */
  writes(): RequestLogEntry[] {
    return this.#ctx.log.writes();
  }
  requestCounts(): RequestCount[] {
    return this.#ctx.log.counts();
  }
  /** Number of requests matching the filter, e.g. `{ host: 'graph', status: 429 }`. */
  totalRequests(filter: Partial<Omit<RequestCount, 'count'>> = {}): number {
    return this.#ctx.log.total(filter);
  }
  /** Bytes of Graph response bodies since the last resetCounters (what clients downloaded). */
  graphResponseBytes(): number {
    return this.#ctx.log.responseBytes;
  }
  violations(): RetryAfterViolation[] {
    return this.#ctx.log.violations();
  }
  /** Clears the request log, counts, violations and every throttle bucket. */
  resetCounters(): void {
    this.#ctx.log.reset();
    this.#ctx.throttle.reset();
    this.#ctx.mailboxConcurrency.reset();
  }
  outbox(tenantId?: string): OutboxMessage[] {
    const tenants = tenantId === undefined ? [...this.#ctx.tenants.values()] : [this.#tenant(tenantId)];
    return tenants.flatMap((t) => t.outbox.map((m) => structuredClone(m)));
  }
  clearOutbox(): void {
    for (const t of this.#ctx.tenants.values()) t.outbox.length = 0;
  }

  // ---- helpers -------------------------------------------------------------------------------------------------
  #tenant(tenantId: string): TenantState {
    const t = this.#ctx.tenant(tenantId);
    if (!t) throw new Error(`m365sim: unknown tenant '${tenantId}'`);
    return t;
  }
  #app(tenantId: string, appId: string): AppRecord {
    const app = this.#tenant(tenantId).apps.get(appId.toLowerCase());
    if (!app) throw new Error(`m365sim: unknown app '${appId}' in tenant '${tenantId}'`);
    return app;
  }
  #userId(t: TenantState, idOrUpn: string): string {
    const u = t.latestUser(idOrUpn);
    if (!u) throw new Error(`m365sim: unknown user '${idOrUpn}' in tenant '${t.tenantId}'`);
    return u.id;
  }
  #deviceCode(userCode: string): NonNullable<ReturnType<SimContext['deviceCodes']['get']>> {
    const g = [...this.#ctx.deviceCodes.values()].find((d) => d.userCode === userCode.toUpperCase());
    if (!g) throw new Error(`m365sim: unknown device code '${userCode}'`);
    return g;
  }
}
