/**
 * The simulator's shared state: tenants, signing key, throttle, faults, request log, and the Entra grants in flight.
 * One instance per running simulator; handlers receive it through their request object.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { keyIdOf } from './entra/jwt.ts';
import { OidcIssuerKeys } from './entra/oidc-issuer-keys.ts';
import { FaultInjector } from './faults.ts';
import { MailboxConcurrency } from './mailbox-concurrency.ts';
import { RequestLog } from './request-log.ts';
import type { TenantState } from './state/tenant-state.ts';
import { DEFAULT_LIMITS, Throttle, type SimulatorLimits } from './throttle.ts';

/** Knobs fixed at start (limits can also be changed later through the control API). */
export interface SimulatorConfig {
  limits: SimulatorLimits;
  /** Fixed access-token lifetime; undefined = random 60–90 min like Microsoft. */
  tokenLifetimeSeconds: number | undefined;
  replicationLagMs: number;
  operationDelayMs: number;
  deviceCodeIntervalSeconds: number;
  deviceCodeExpiresSeconds: number;
}

/** A pending or decided device-code sign-in. */
export interface DeviceCodeGrant {
  deviceCode: string;
  userCode: string;
  tenantId: string;
  appId: string;
  scopes: string[];
  expiresAtMs: number;
  state: 'pending' | 'approved' | 'declined';
  userId?: string;
}

/** A refresh token the simulator issued. */
export interface RefreshGrant {
  tenantId: string;
  appId: string;
  userId: string;
  scopes: string[];
  issuedAtMs: number;
}

/**
 * When to use: created by startSimulator; tests reach it only through the control API.
 * Gotchas: `loginUrl`/`graphUrl` are set once the listeners are bound.
 */
export class SimContext {
  readonly tenants = new Map<string, TenantState>();
  readonly config: SimulatorConfig;
  readonly signingKey: KeyObject;
  readonly signingPublicKey: KeyObject;
  readonly kid: string;
  readonly throttle = new Throttle();
  readonly mailboxConcurrency = new MailboxConcurrency();
  readonly faults = new FaultInjector();
  readonly log = new RequestLog();
  readonly deviceCodes = new Map<string, DeviceCodeGrant>();
  readonly refreshTokens = new Map<string, RefreshGrant>();
  /** Signing keys of external workload-identity issuers (a Kubernetes apiserver), fetched like Entra does. */
  readonly oidcIssuers = new OidcIssuerKeys();
  /** Issue sequence of every access token by `uti`: revocation compares sequences, not clock ticks. */
  readonly tokenIssueSeq = new Map<string, number>();
  /** Per `${tenant}|${user}`: delegated tokens with a lower issue sequence are rejected. */
  readonly userTokensValidFromSeq = new Map<string, number>();
  /** Counter behind tokenIssueSeq. */
  issueSeq = 0;
  loginUrl = '';
  graphUrl = '';

  constructor(config: Partial<SimulatorConfig> = {}) {
    this.config = {
      limits: config.limits ?? { ...DEFAULT_LIMITS },
      tokenLifetimeSeconds: config.tokenLifetimeSeconds,
      replicationLagMs: config.replicationLagMs ?? 0,
      operationDelayMs: config.operationDelayMs ?? 1500,
      deviceCodeIntervalSeconds: config.deviceCodeIntervalSeconds ?? 1,
      deviceCodeExpiresSeconds: config.deviceCodeExpiresSeconds ?? 900,
    };
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.signingKey = pair.privateKey;
    this.signingPublicKey = pair.publicKey;
    this.kid = keyIdOf(pair.publicKey);
  }

  /** Issuer of workload-identity tokens minted by the control API (trusted with signature checks). */
  get workloadIssuer(): string {
    return `${this.loginUrl}/workload-identity-issuer`;
  }

  /** Resolves a tenant by id or verified domain (case-insensitive). */
  tenant(idOrDomain: string): TenantState | undefined {
    const key = idOrDomain.toLowerCase();
    const direct = this.tenants.get(key);
    if (direct) return direct;
    for (const t of this.tenants.values()) if (t.domains.some((d) => d.toLowerCase() === key)) return t;
    return undefined;
  }

  /** For `common`/`organizations` authorities: the only tenant that registers the app, if exactly one does. */
  tenantOfApp(appId: string): TenantState | undefined {
    const found = [...this.tenants.values()].filter((t) => t.apps.has(appId.toLowerCase()));
    return found.length === 1 ? found[0] : undefined;
  }

  /** Access-token lifetime in seconds for the next token. */
  nextTokenLifetime(): number {
    return this.config.tokenLifetimeSeconds ?? 3600 + Math.floor(Math.random() * 1800);
  }
}
